package dev.sovra.controller.storage;

import dev.sovra.model.Resource;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Data-plane identities of storage resources. A volume's (or image's) uid is derived from the resource's path
 * and creation time, so it needs no extra write, survives every update, and a resource re-created under the
 * same name gets a new volume.
 */
public final class StorageNaming {
    private StorageNaming() {
    }

    public static String uid(Resource resource) {
        String identity = resource.kind() + ":" + resource.tenant() + "/" + resource.workspace() + "/" + resource.name()
                + "@" + resource.metadata().createdAt();
        return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
