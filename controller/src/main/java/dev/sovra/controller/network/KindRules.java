package dev.sovra.controller.network;

import dev.sovra.controller.resource.ResourceService;
import dev.sovra.model.Resource;

/** The rules of one request on one network kind: validation and delete protection, plus what follows a write. */
public interface KindRules extends ResourceService.Rules {
    /** Runs after the resource was written (e.g. releases what an update gave up). */
    default void written(Resource resource) {}

    /** Runs after the resource was deleted (releases its addresses, removes what it owned). */
    default void deleted(Resource resource) {}
}
