package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.reconcile.InstanceStatusUpdater;
import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.NodeInventory;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scheduling constraints seen through the SECA API on the real controller: nodes register through the real
 * {@link NodeRegistry} (as the agent gateway does on Hello; no agent process runs), instances are created over
 * HTTP and the reconciler places them. Each test uses its own zone, so their nodes never take each other's instances.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchedulingApiTest extends SecaApiTest {
    private static final String COMPUTE = "/providers/seca.compute/v1/tenants/t1/workspaces/ws1/instances/";
    private static final String STORAGE = "/providers/seca.storage/v1/tenants/t1/workspaces/ws1/block-storages/";

    @Inject
    NodeRegistry nodes;

    @Inject
    InstanceStatusUpdater statusUpdater;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.ofEntries(
                Map.entry("sovra.zones", "a,b,c"),
                Map.entry("sovra.reconcile.resync-period", "200ms"),
                Map.entry("sovra.reconcile.unreachable-after", "1s"),
                // Ceph volumes do not pin an instance to a node, so the scheduler alone decides where it goes.
                Map.entry("sovra.storage.remote-backend", "ceph"),
                Map.entry("sovra.skus[13].name", "sovra.avx2"),
                Map.entry("sovra.skus[13].vcpu", "1"),
                Map.entry("sovra.skus[13].ram", "1"),
                Map.entry("sovra.skus[13].cpu-features", "avx2"));
    }

    @BeforeAll
    void workspace() throws Exception {
        assertEquals(201, call("PUT", "/providers/seca.workspace/v1/tenants/t1/workspaces/ws1", "{\"spec\":{}}").statusCode());
    }

    @Test
    void anInstanceWhoseSkuNeedsACpuFeatureWaitsForANodeThatHasIt() throws Exception {
        nodes.markReady("a-old-agent", inventory("a", null));
        nodes.markReady("a-no-avx2", inventory("a", List.of("aes", "sse2")));
        createInstance("vm-avx2", "sovra.avx2", "a");

        JsonNode pending = awaitCondition("vm-avx2", c -> c.get("message").asText().contains("a-no-avx2"));
        assertEquals("pending", pending.get("state").asText());
        assertEquals("NoCapacity", pending.get("reason").asText());
        String why = pending.get("message").asText();
        assertTrue(why.contains("a-no-avx2: node lacks CPU features [avx2]"), why);
        assertTrue(why.contains("a-old-agent: node did not report its CPU features"), why);

        nodes.markReady("a-avx2", inventory("a", List.of("aes", "avx2", "sse2")));
        JsonNode placed = awaitCondition("vm-avx2", SchedulingApiTest::scheduled);
        assertEquals("placed on node a-avx2", placed.get("message").asText());

        createInstance("vm-plain", "seca.d2xs", "a"); // no requirement: any node of the zone, the old agent's too
        awaitCondition("vm-plain", SchedulingApiTest::scheduled);
    }

    @Test
    void aDrainedNodeTakesNoNewInstancesAndKeepsItsOwn() throws Exception {
        nodes.markReady("b1", inventory("b", null));
        createInstance("vm-b0", "seca.d2xs", "b");
        assertEquals("placed on node b1", awaitCondition("vm-b0", SchedulingApiTest::scheduled).get("message").asText());

        JsonNode drained = json(call("POST", "/internal/v1/nodes/b1/drain", null));
        assertTrue(drained.get("draining").asBoolean(), drained.toString());
        assertEquals(1, drained.get("allocatedVcpus").asInt(), "vm-b0 still counts on b1");
        nodes.markReady("b1", inventory("b", null)); // the agent reconnects: the drain is the operator's and stays
        nodes.markReady("b2", inventory("b", null));
        createInstance("vm-b1", "seca.d2xs", "b");
        createInstance("vm-b2", "seca.d2xs", "b"); // spread would put it on b1, had b1 not been drained
        assertEquals("placed on node b2", awaitCondition("vm-b1", SchedulingApiTest::scheduled).get("message").asText());
        assertEquals("placed on node b2", awaitCondition("vm-b2", SchedulingApiTest::scheduled).get("message").asText());
        assertEquals("b1", placement("vm-b0").get("node").asText(), "what runs on a drained node stays");

        call("POST", "/internal/v1/nodes/b2/drain", null);
        createInstance("vm-b3", "seca.d2xs", "b");
        String why = awaitCondition("vm-b3", c -> c.get("message").asText().contains("b2")).get("message").asText();
        assertTrue(why.contains("b1: node is draining") && why.contains("b2: node is draining"), why);

        JsonNode undrained = json(call("POST", "/internal/v1/nodes/b1/undrain", null));
        assertEquals(false, undrained.get("draining").asBoolean());
        assertEquals("placed on node b1", awaitCondition("vm-b3", SchedulingApiTest::scheduled).get("message").asText());
        JsonNode listed = json(call("GET", "/internal/v1/nodes", null));
        listed.forEach(node -> {
            if (node.get("id").asText().startsWith("b")) {
                assertEquals(node.get("id").asText().equals("b2"), node.get("draining").asBoolean(), node.toString());
            }
        });
        assertProblem(call("POST", "/internal/v1/nodes/no-such-node/drain", null), 404);
    }

    @Test
    void instancesOfANodeThatStopsAnsweringAreReportedAndStayUntilItReturns() throws Exception {
        nodes.markReady("c1", inventory("c", null));
        createInstance("vm-c1", "seca.d2xs", "c");
        assertEquals("placed on node c1", awaitCondition("vm-c1", SchedulingApiTest::scheduled).get("message").asText());
        nodes.markReady("c2", inventory("c", null)); // an empty node it could move to

        long downAt = System.nanoTime();
        nodes.markDown("c1", "heartbeats stopped (test)");
        JsonNode unreachable = awaitCondition("vm-c1", c -> "NodeUnreachable".equals(c.get("reason").asText()));
        long reportedAfterMs = (System.nanoTime() - downAt) / 1_000_000;
        assertTrue(reportedAfterMs >= 1000, "reported after the 1 s grace, not before: " + reportedAfterMs + " ms");
        assertEquals("error", unreachable.get("state").asText());
        String message = unreachable.get("message").asText();
        assertTrue(message.startsWith("node c1 has not answered since "), message);
        assertTrue(message.contains("the node cannot be fenced"), "its boot volume is on Ceph: " + message);
        JsonNode instance = placement("vm-c1");
        assertEquals("c1", instance.get("node").asText(), "not moved to c2");
        assertEquals("down", instance.get("nodeState").asText());

        // The node comes back: its agent says Hello (node ready, then its full report), as AgentGateway does.
        nodes.markReady("c1", inventory("c", null));
        statusUpdater.apply("c1", List.of(new InstanceObservation(instance.get("uid").asText(), instance.get("ref").asText(),
                DomainState.STOPPED, 0, "", Instant.now())), true);
        JsonNode back = awaitCondition("vm-c1", c -> "active".equals(c.get("state").asText()));
        assertEquals("Stopped", back.get("reason").asText(), "SECA creates instances powered off");
        Thread.sleep(600); // three more reconcile passes: the node is ready, nothing reports it lost again
        assertEquals("active", json(call("GET", COMPUTE + "vm-c1", null)).get("status").get("state").asText());
    }

    private static boolean scheduled(JsonNode condition) {
        return "Scheduled".equals(condition.get("reason").asText());
    }

    /** The instance as the operator endpoint {@code /internal/v1/instances} shows it (node, node state). */
    private JsonNode placement(String name) throws Exception {
        for (JsonNode instance : json(call("GET", "/internal/v1/instances", null))) {
            if (instance.get("ref").asText().endsWith("/instances/" + name)) {
                return instance;
            }
        }
        throw new AssertionError("no instance " + name + " in /internal/v1/instances");
    }

    private void createInstance(String name, String sku, String zone) throws Exception {
        assertEquals(201, call("PUT", STORAGE + "boot-" + name, "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}")
                .statusCode());
        var created = call("PUT", COMPUTE + name, "{\"spec\":{\"skuRef\":\"skus/" + sku + "\",\"zone\":\"" + zone + "\","
                + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot-" + name + "\"}}}");
        assertEquals(201, created.statusCode(), created.body());
    }

    /** The instance's newest condition once it matches, within 10 s. */
    private JsonNode awaitCondition(String name, Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode latest = null;
        while (System.nanoTime() < deadline) {
            latest = json(call("GET", COMPUTE + name, null)).get("status").get("conditions").get(0);
            if (wanted.test(latest)) {
                return latest;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("instance " + name + " never reached the expected condition; latest: " + latest);
    }

    private static NodeInventory inventory(String zone, List<String> cpuFeatures) {
        return new NodeInventory("host", "x86_64", 8, 16 * 1024, List.of(), List.of("qemu"), "qemu", "generic", zone,
                List.of("local", "ceph"), List.of(), null, cpuFeatures);
    }
}
