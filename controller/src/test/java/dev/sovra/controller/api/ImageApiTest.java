package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * seca.storage/v1 images over real HTTP on the real controller: tenant-level regional records made from
 * a block storage in a named workspace, their rules (412, nothing written), lists, and block storages
 * that start from an existing image.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageApiTest extends SecaApiTest {

    private static final String WS = "/providers/seca.workspace/v1/tenants/t1/workspaces/";
    private static final String BS = "/providers/seca.storage/v1/tenants/t1/workspaces/%s/block-storages/";
    private static final String IMAGES = "/providers/seca.storage/v1/tenants/t1/images";
    private static final String SKU_REF = "seca.storage/v1/tenants/t1/skus/seca.rd100";

    private static String write(Object value) throws IOException {
        return JSON.writeValueAsString(value);
    }

    private static String storageUrn(String workspace, String name) {
        return "seca.storage/v1/tenants/t1/workspaces/" + workspace + "/block-storages/" + name;
    }

    private static String image(Object blockStorageRef, Object cpuArchitecture, Map<String, Object> extra) throws IOException {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("blockStorageRef", blockStorageRef);
        spec.put("cpuArchitecture", cpuArchitecture);
        spec.putAll(extra);
        return write(Map.of("labels", Map.of("env", "conformance"), "annotations", Map.of("description", "image"), "spec", spec));
    }

    private static String storage(int sizeGB, Object sourceImageRef) throws IOException {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("skuRef", Map.of("resource", SKU_REF));
        spec.put("sizeGB", sizeGB);
        if (sourceImageRef != null) {
            spec.put("sourceImageRef", sourceImageRef);
        }
        return write(Map.of("labels", Map.of("env", "conformance"), "spec", spec));
    }

    /** A workspace with one 20 GB block storage, both created and checked. */
    private void workspaceWithDisk(String workspace, String disk) throws Exception {
        assertEquals(201, call("PUT", WS + workspace, "{\"spec\":{}}").statusCode());
        HttpResponse<String> created = call("PUT", String.format(BS, workspace) + disk, storage(20, null));
        assertEquals(201, created.statusCode(), created.body());
    }

    @Test
    void imageLifecycleRecordsEveryStateWithRegionalTenantMetadata() throws Exception {
        workspaceWithDisk("ws-img", "disk-img");
        Map<String, String> ref = Map.of("resource", storageUrn("ws-img", "disk-img"));
        HttpResponse<String> created = call("PUT", IMAGES + "/image-life", image(ref, "amd64", Map.of()));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode image = json(created);
        JsonNode metadata = image.get("metadata");
        assertEquals("image-life", metadata.get("name").asText());
        assertEquals("seca.storage/v1", metadata.get("provider").asText());
        assertEquals("images/image-life", metadata.get("resource").asText());
        assertEquals("PUT", metadata.get("verb").asText());
        assertEquals("v1", metadata.get("apiVersion").asText());
        assertEquals("image", metadata.get("kind").asText());
        assertEquals("seca.storage/v1/tenants/t1/images/image-life", metadata.get("ref").asText());
        assertEquals("t1", metadata.get("tenant").asText());
        assertEquals("region-1", metadata.get("region").asText());
        assertNull(metadata.get("workspace"), "images are tenant-level");
        assertEquals(JSON.valueToTree(ref), image.get("spec").get("blockStorageRef"), "references are echoed verbatim");
        assertEquals("amd64", image.get("spec").get("cpuArchitecture").asText());
        assertEquals("UEFI", image.get("spec").get("boot").asText(), "v1.7 default");
        assertEquals("none", image.get("spec").get("initializer").asText(), "v1.7 default");
        // No node runs in this test, so no node copies the data: the image stays creating, with no size. The
        // realised lifecycle (active, sizeMB) is StorageSystemTest's and SecaSdkSystemTest's, with a real agent.
        assertNull(image.get("status").get("sizeMB"), "no data copied yet");
        assertEquals("conformance", image.get("labels").get("env").asText());
        assertEquals("image", image.get("annotations").get("description").asText());
        assertEquals(List.of("creating", "pending"), states(image));

        JsonNode fetched = json(call("GET", IMAGES + "/image-life", null));
        assertEquals("GET", fetched.get("metadata").get("verb").asText());
        assertEquals(List.of("creating", "pending"), states(fetched));

        HttpResponse<String> updated = call("PUT", IMAGES + "/image-life",
                image(ref, "arm64", Map.of("boot", "BIOS", "initializer", "cloudinit-22")));
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals("creating", json(updated).get("status").get("state").asText(), "an update does not hide the pending copy");
        fetched = json(call("GET", IMAGES + "/image-life", null));
        assertEquals(List.of("creating", "pending"), states(fetched));
        assertEquals("arm64", fetched.get("spec").get("cpuArchitecture").asText());
        assertEquals("BIOS", fetched.get("spec").get("boot").asText());
        assertEquals("cloudinit-22", fetched.get("spec").get("initializer").asText());

        assertEquals(202, call("DELETE", IMAGES + "/image-life", null).statusCode());
        assertEquals(404, call("GET", IMAGES + "/image-life", null).statusCode());
        assertEquals(404, call("DELETE", IMAGES + "/image-life", null).statusCode());
    }

    @Test
    void everyImageRuleIsEnforcedWithoutWritingAnything() throws Exception {
        workspaceWithDisk("ws-rules", "disk-rules");
        Map<String, String> ref = Map.of("resource", storageUrn("ws-rules", "disk-rules"));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("img-arch-x86", image(ref, "x86_64", Map.of()));
        cases.put("img-arch-missing", image(ref, null, Map.of()));
        cases.put("img-arch-case", image(ref, "AMD64", Map.of()));
        cases.put("img-boot", image(ref, "amd64", Map.of("boot", "invalid-boot")));
        cases.put("img-initializer", image(ref, "amd64", Map.of("initializer", "invalid-initializer")));
        cases.put("img-ref-missing", image(null, "amd64", Map.of()));
        cases.put("img-ref-never-created", image(Map.of("resource", storageUrn("ws-rules", "disk-never")), "amd64", Map.of()));
        cases.put("img-ref-no-workspace", image(Map.of("resource", storageUrn("non-existent-workspace", "disk-rules")),
                "amd64", Map.of()));
        cases.put("img-ref-short", image("block-storages/disk-rules", "amd64", Map.of()));
        cases.put("img-ref-other-tenant", image("seca.storage/v1/tenants/t2/workspaces/ws-rules/block-storages/disk-rules",
                "amd64", Map.of()));
        cases.put("img-ref-other-provider", image("seca.compute/v1/tenants/t1/workspaces/ws-rules/block-storages/disk-rules",
                "amd64", Map.of()));
        cases.put("img-ref-wrong-plural", image("workspaces/ws-rules/instances/disk-rules", "amd64", Map.of()));
        cases.put("img-ref-other-region", image(Map.of("resource", storageUrn("ws-rules", "disk-rules"), "region", "elsewhere"),
                "amd64", Map.of()));
        cases.put("img-ref-disagrees", image(Map.of("resource", storageUrn("ws-rules", "disk-rules"), "workspace", "ws-other"),
                "amd64", Map.of()));
        cases.put("img-ref-number", image(42, "amd64", Map.of()));
        cases.put("img-region", write(Map.of("metadata", Map.of("region", "invalid-region"),
                "spec", Map.of("blockStorageRef", ref, "cpuArchitecture", "amd64"))));
        cases.put("img-label", write(Map.of("labels", Map.of("k", "v".repeat(64)),
                "spec", Map.of("blockStorageRef", ref, "cpuArchitecture", "amd64"))));
        cases.put("img-annotation", write(Map.of("annotations", Map.of("k", "v".repeat(1025)),
                "spec", Map.of("blockStorageRef", ref, "cpuArchitecture", "amd64"))));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertRefused(call("PUT", IMAGES + "/" + c.getKey(), c.getValue()));
            assertEquals(404, call("GET", IMAGES + "/" + c.getKey(), null).statusCode(), c.getKey() + " was not written");
        }
        String valid = image(ref, "amd64", Map.of());
        assertRefused(call("PUT", IMAGES + "/" + "i".repeat(129), valid));
        assertRefused(call("PUT", IMAGES + "/Invalid-Name-With-Uppercase", valid));
        assertRefused(call("PUT", IMAGES + "/img-no-body", null));
        assertEquals(404, call("GET", IMAGES + "/img-no-body", null).statusCode());
    }

    @Test
    void blockStorageReferencesMayUseEveryFormThatNamesTheWorkspace() throws Exception {
        workspaceWithDisk("ws-forms", "disk-forms");
        List<Object> forms = List.of(
                storageUrn("ws-forms", "disk-forms"),
                "workspaces/ws-forms/block-storages/disk-forms",
                "tenants/t1/workspaces/ws-forms/block-storages/disk-forms",
                Map.of("resource", "block-storages/disk-forms", "workspace", "ws-forms"),
                Map.of("resource", "block-storages/disk-forms", "workspace", "ws-forms", "tenant", "t1",
                        "provider", "seca.storage/v1", "region", "region-1"));
        for (int i = 0; i < forms.size(); i++) {
            HttpResponse<String> created = call("PUT", IMAGES + "/form-" + i, image(forms.get(i), "amd64", Map.of()));
            assertEquals(201, created.statusCode(), created.body());
            assertEquals(JSON.valueToTree(forms.get(i)), json(created).get("spec").get("blockStorageRef"));
        }
    }

    @Test
    void blockStoragesStartFromExistingImagesOnly() throws Exception {
        workspaceWithDisk("ws-src", "golden");
        assertEquals(201, call("PUT", IMAGES + "/golden-image",
                image(Map.of("resource", storageUrn("ws-src", "golden")), "amd64", Map.of())).statusCode());
        String disks = String.format(BS, "ws-src");

        Map<String, String> imageRef = Map.of("resource", "seca.storage/v1/tenants/t1/images/golden-image");
        HttpResponse<String> created = call("PUT", disks + "from-image", storage(20, imageRef));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(JSON.valueToTree(imageRef), json(created).get("spec").get("sourceImageRef"));
        assertEquals(201, call("PUT", disks + "from-short", storage(20, "images/golden-image")).statusCode());

        assertRefused(call("PUT", disks + "from-missing", storage(20, Map.of("resource", "images/no-such-image"))));
        assertRefused(call("PUT", disks + "from-workspace", storage(20, "workspaces/ws-src/images/golden-image")));
        assertRefused(call("PUT", disks + "from-other-tenant", storage(20, "seca.storage/v1/tenants/t2/images/golden-image")));
        assertRefused(call("PUT", disks + "from-wrong-plural", storage(20, "block-storages/golden")));
        for (String name : List.of("from-missing", "from-workspace", "from-other-tenant", "from-wrong-plural")) {
            assertEquals(404, call("GET", disks + name, null).statusCode(), name + " was not written");
        }

        assertRefused(call("PUT", disks + "from-image", storage(30, null)));
        assertRefused(call("PUT", disks + "golden", storage(30, "images/golden-image")));
        assertEquals(20, json(call("GET", disks + "from-image", null)).get("spec").get("sizeGB").asInt(),
                "a refused change of the source image changes nothing");

        // The block storage an image was made from, and the image a volume was made from, stay deletable
        // (CONFORMANCE.md 5.6); a volume whose image is gone can still grow.
        assertEquals(202, call("DELETE", IMAGES + "/golden-image", null).statusCode());
        HttpResponse<String> grown = call("PUT", disks + "from-image", storage(30, imageRef));
        assertEquals(200, grown.statusCode(), grown.body());
        assertEquals(List.of("creating", "pending"), states(json(grown)), "no node in this test makes the volume");
        assertEquals(30, json(grown).get("spec").get("sizeGB").asInt());
        assertEquals(201, call("PUT", IMAGES + "/golden-2", image(Map.of("resource", storageUrn("ws-src", "golden")), "amd64",
                Map.of())).statusCode());
        assertEquals(202, call("DELETE", disks + "golden", null).statusCode());
        assertEquals(200, call("GET", IMAGES + "/golden-2", null).statusCode(), "the image outlives its block storage");
    }

    @Test
    void imageListsFilterByLabelsAndPageToTheEnd() throws Exception {
        workspaceWithDisk("ws-list", "disk-list");
        Map<String, String> ref = Map.of("resource", storageUrn("ws-list", "disk-list"));
        for (int i = 0; i < 3; i++) {
            String body = write(Map.of("labels", Map.of("env", i == 1 ? "other" : "conformance", "list", "yes"),
                    "spec", Map.of("blockStorageRef", ref, "cpuArchitecture", "amd64")));
            assertEquals(201, call("PUT", IMAGES + "/list-" + i, body).statusCode());
        }
        JsonNode filtered = json(call("GET", IMAGES + "?labels=env=conformance,list=yes", null));
        assertEquals(List.of("list-0", "list-2"), names(filtered));
        assertEquals("seca.storage/v1", filtered.get("metadata").get("provider").asText());
        assertEquals("images", filtered.get("metadata").get("resource").asText());
        assertEquals("GET", filtered.get("metadata").get("verb").asText());
        filtered.get("items").forEach(item -> {
            assertEquals("region-1", item.get("metadata").get("region").asText());
            assertEquals("image", item.get("metadata").get("kind").asText());
        });

        List<String> paged = new ArrayList<>();
        String next = "";
        int pages = 0;
        do {
            JsonNode page = json(call("GET", IMAGES + "?labels=list=yes&limit=2" + next, null));
            paged.addAll(names(page));
            JsonNode skip = page.get("metadata").get("skipToken");
            next = skip == null ? null : "&skipToken=" + skip.asText();
            pages++;
        } while (next != null && pages < 10);
        assertEquals(List.of("list-0", "list-1", "list-2"), paged);
        assertEquals(2, pages);
        assertEquals(400, call("GET", IMAGES + "?limit=10001", null).statusCode());
    }

    private static List<String> names(JsonNode page) {
        List<String> names = new ArrayList<>();
        page.get("items").forEach(item -> names.add(item.get("metadata").get("name").asText()));
        return names;
    }
}
