package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.storage.StorageNaming;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.StateStore;
import dev.sovra.model.Resource;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The instance endpoints through real HTTP on the real controller (no agent connected, so nothing
 * is ever placed): status codes, problem bodies, validation and optimistic concurrency.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceApiTest extends SecaApiTest {

    private static final String BASE = "/providers/seca.compute/v1/tenants/t1/workspaces/ws1/instances/";
    private static final String VALID = "{\"labels\":{\"env\":\"test\"},\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
            + "\"bootVolume\":{\"deviceRef\":{\"resource\":\"block-storages/boot\"}}}}";

    @BeforeAll
    void workspaceAndBootVolume() throws Exception {
        assertEquals(201, call("PUT", "/providers/seca.workspace/v1/tenants/t1/workspaces/ws1", "{\"spec\":{}}").statusCode());
        assertEquals(201, call("PUT", "/providers/seca.storage/v1/tenants/t1/workspaces/ws1/block-storages/boot",
                "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}").statusCode());
    }

    @Test
    void putCreatesThenReplacesAndReportsFullMetadata() throws Exception {
        HttpResponse<String> created = call("PUT", BASE + "vm-a", VALID);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode body = json(created);
        JsonNode metadata = body.get("metadata");
        assertEquals("vm-a", metadata.get("name").asText());
        assertEquals("seca.compute/v1/tenants/t1/workspaces/ws1/instances/vm-a", metadata.get("ref").asText());
        assertEquals("instances/vm-a", metadata.get("resource").asText());
        assertEquals("PUT", metadata.get("verb").asText(), "verb is the HTTP method, as the conformance suite expects");
        assertEquals("instance", metadata.get("kind").asText());
        assertEquals(1, metadata.get("resourceVersion").asLong());
        assertEquals("skus/seca.d2xs", body.get("spec").get("skuRef").asText(), "references are echoed as sent");
        assertEquals("pending", body.get("status").get("state").asText());
        assertEquals("off", body.get("status").get("powerState").asText());

        HttpResponse<String> replaced = call("PUT", BASE + "vm-a", VALID.replace("\"test\"", "\"prod\""));
        assertEquals(200, replaced.statusCode(), replaced.body());
        assertEquals("prod", json(replaced).get("labels").get("env").asText());
        assertEquals(2, json(replaced).get("metadata").get("resourceVersion").asLong());

        HttpResponse<String> got = call("GET", BASE + "vm-a", null);
        assertEquals(200, got.statusCode());
        assertEquals("GET", json(got).get("metadata").get("verb").asText());
    }

    @Test
    void envelopeMapsAreEchoedAsSentAndReplacedByAnUpdate() throws Exception {
        String withEnvelope = VALID.replace("{\"labels\":{\"env\":\"test\"},",
                "{\"labels\":{\"env\":\"test\"},\"annotations\":{\"note\":\"n1\"},\"extensions\":{\"x.example/tier\":\"gold\"},");
        HttpResponse<String> created = call("PUT", BASE + "vm-env", withEnvelope);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("gold", json(created).get("extensions").get("x.example/tier").asText());
        assertEquals("n1", json(created).get("annotations").get("note").asText());
        assertEquals("gold", json(call("GET", BASE + "vm-env", null)).get("extensions").get("x.example/tier").asText());

        HttpResponse<String> replaced = call("PUT", BASE + "vm-env", withEnvelope.replace("\"gold\"", "\"silver\""));
        assertEquals(200, replaced.statusCode(), replaced.body());
        assertEquals("silver", json(call("GET", BASE + "vm-env", null)).get("extensions").get("x.example/tier").asText());
        HttpResponse<String> dropped = call("PUT", BASE + "vm-env", VALID);
        assertEquals(200, dropped.statusCode(), dropped.body());
        assertEquals(0, json(call("GET", BASE + "vm-env", null)).get("extensions").size(), "a PUT replaces the whole envelope");
    }

    @Inject
    StateStore store;

    @Inject
    ResourceService resources;

    @Test
    void localVolumesOfDifferentNodesAreNeverAttachedTogether() throws Exception {
        String storages = "/providers/seca.storage/v1/tenants/t1/workspaces/ws1/block-storages/";
        for (String name : List.of("local-n1", "local-n2", "local-n1-data")) {
            assertEquals(201, call("PUT", storages + name, "{\"spec\":{\"skuRef\":\"skus/seca.ld500\",\"sizeGB\":1}}").statusCode());
        }
        // As the storage reconciler would have bound them, had nodes n1 and n2 been up.
        bind("local-n1", "n1");
        bind("local-n2", "n2");
        bind("local-n1-data", "n1");
        String twoNodes = "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":\"block-storages/local-n1\"},"
                + "\"dataVolumes\":[{\"deviceRef\":\"block-storages/local-n2\"}]}}";
        HttpResponse<String> refused = call("PUT", BASE + "vm-cross", twoNodes);
        assertProblem(refused, 412);
        assertTrue(json(refused).get("detail").asText().contains("local volumes do not cross nodes"), refused.body());
        assertEquals(404, call("GET", BASE + "vm-cross", null).statusCode(), "nothing written");

        HttpResponse<String> sameNode = call("PUT", BASE + "vm-cross", twoNodes.replace("local-n2", "local-n1-data"));
        assertEquals(201, sameNode.statusCode(), sameNode.body());
    }

    private void bind(String blockStorage, String node) {
        Resource resource = resources.get(ResourceType.BLOCK_STORAGE, "t1", "ws1", blockStorage).orElseThrow();
        String uid = StorageNaming.uid(resource);
        Repository<VolumeRecord> volumes = new Repository<>(store, "volumes", VolumeRecord.class);
        VolumeRecord bound = new VolumeRecord(uid, "tenants/t1/workspaces/ws1/block-storages/" + blockStorage, "local", node, 1024,
                null, true, null, Instant.now());
        while (volumes.update(uid, v -> v.withNode(node)).isEmpty() && volumes.compareAndPut(uid, bound, 0).isEmpty()) {
            Thread.onSpinWait(); // the reconciler recorded it meanwhile: update that record
        }
    }

    @Test
    void withoutNodesAnInstanceStaysPendingAndSaysWhy() throws Exception {
        call("PUT", BASE + "vm-pending", VALID);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode condition = null;
        while (System.nanoTime() < deadline) {
            condition = json(call("GET", BASE + "vm-pending", null)).get("status").get("conditions").get(0);
            if ("NoCapacity".equals(condition.get("reason").asText())) {
                break;
            }
            Thread.sleep(100);
        }
        assertNotNull(condition);
        assertEquals("NoCapacity", condition.get("reason").asText());
        assertEquals("pending", condition.get("state").asText());
    }

    @Test
    void immutableFieldsAndUnknownReferencesAreRefusedAndNothingIsWritten() throws Exception {
        call("PUT", BASE + "vm-b", VALID);
        assertProblem(call("PUT", BASE + "vm-b", VALID.replace("seca.d2xs", "seca.ds")), 412);
        assertProblem(call("PUT", BASE + "vm-new", VALID.replace("seca.d2xs", "seca.nope")), 412);
        assertProblem(call("PUT", BASE + "vm-new", VALID.replace("\"zone\":\"a\"", "\"zone\":\"z\"")), 412);
        assertProblem(call("PUT", BASE + "vm-new", VALID.replace("block-storages/boot", "block-storages/nope")), 412);
        assertProblem(call("PUT", BASE + "vm-new", VALID.replace("block-storages/boot", "images/boot")), 412);
        assertProblem(call("PUT", BASE + "vm-new", "{\"labels\":{}}"), 412);
        assertEquals(404, call("GET", BASE + "vm-new", null).statusCode(), "nothing half-written");
    }

    @Test
    void garbageGets4xxProblemNever5xx() throws Exception {
        assertProblem(call("PUT", BASE + "vm-c", "{not json"), 400);
        assertProblem(call("PUT", BASE + "vm-c", "{\"spec\":{\"skuRef\":42,\"zone\":\"a\"}}"), 412);
        assertProblem(call("PUT", BASE + "vm-c", "{\"spec\":{\"zone\":[1,2]}}"), 412);
        assertProblem(call("PUT", BASE + "vm-c", "{\"labels\":\"not a map\",\"spec\":{}}"), 400);
        assertProblem(call("PUT", BASE + "Bad_Name", VALID), 412);
        assertProblem(call("PUT", BASE + "..%2F..%2Fetc", VALID), 412);
        assertProblem(call("PUT", BASE + "x".repeat(200), VALID), 412);
        assertProblem(call("GET", BASE + "vm-never", null), 404);
        assertProblem(call("GET", "/providers/seca.compute/v1/nothing-here", null), 404);
        assertEquals(404, call("GET", BASE + "vm-c", null).statusCode(), "nothing half-written");
    }

    @Test
    void actionsFollowSecaPowerSemanticsAndVersionPreconditions() throws Exception {
        JsonNode created = json(call("PUT", BASE + "vm-d", VALID));
        long version = created.get("metadata").get("resourceVersion").asLong();
        assertProblem(call("POST", BASE + "vm-d/stop", null), 412); // new instances are off
        assertProblem(call("POST", BASE + "vm-d/restart", null), 412);
        assertProblem(call("POST", BASE + "vm-d/start", null, "if-unmodified-since", String.valueOf(version + 5)), 412);
        assertEquals(202, call("POST", BASE + "vm-d/start", null, "if-unmodified-since", String.valueOf(version)).statusCode());
        assertProblem(call("POST", BASE + "vm-d/start", null), 412);
        assertEquals(202, call("POST", BASE + "vm-d/restart", null).statusCode());
        assertEquals(202, call("POST", BASE + "vm-d/stop", null).statusCode());
        assertProblem(call("POST", BASE + "vm-d/stop", null), 412);
        assertProblem(call("POST", BASE + "vm-missing/start", null), 404);
    }

    @Test
    void deleteIsAcceptedAndAnUnplacedInstanceDisappears() throws Exception {
        call("PUT", BASE + "vm-e", VALID);
        assertEquals(202, call("DELETE", BASE + "vm-e", null).statusCode());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = 0;
        while (System.nanoTime() < deadline && status != 404) {
            status = call("GET", BASE + "vm-e", null).statusCode();
            Thread.sleep(100);
        }
        assertEquals(404, status);
        assertProblem(call("DELETE", BASE + "vm-e", null), 404);
    }

    @Test
    void listShowsTheWorkspaceInstancesAndFiltersByLabel() throws Exception {
        call("PUT", BASE + "vm-l1", VALID);
        call("PUT", BASE + "vm-l2", VALID.replace("\"test\"", "\"other\""));
        JsonNode page = json(call("GET", BASE.substring(0, BASE.length() - 1), null));
        assertEquals("GET", page.get("metadata").get("verb").asText());
        assertEquals("instances", page.get("metadata").get("resource").asText());
        assertTrue(page.get("items").size() >= 2);
        JsonNode filtered = json(call("GET", BASE.substring(0, BASE.length() - 1) + "?labels=env=other", null));
        assertEquals(1, filtered.get("items").size());
        assertEquals("vm-l2", filtered.get("items").get(0).get("metadata").get("name").asText());
    }
}
