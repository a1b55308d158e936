package dev.sovra.controller.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.controller.node.CapacityPolicy;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which instances of a lost node are reported, when, and with what explanation; none is ever moved. */
class NodeLossReporterTest {
    private static final Instant DOWN_AT = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private MvStateStore store;
    private Repository<Instance> instances;
    private NodeRegistry nodes;

    @BeforeEach
    void setUp() {
        store = MvStateStore.open(dir.resolve("state.mv.db"));
        instances = Repository.decodeCached(store, "instances", Instance.class);
        nodes = new NodeRegistry(new Repository<>(store, "nodes", Node.class),
                new CapacityPolicy(new CapacityPolicy.Ratios(2.0, 1.0), Map.of(), 0), Clock.fixed(DOWN_AT, ZoneOffset.UTC));
        for (String id : List.of("lost", "alive")) {
            nodes.markReady(id, new NodeInventory(id, "cpu", 4, 8192, List.of(), List.of("qemu"), "qemu", "generic", "a"));
        }
        nodes.markDown("lost", "test: heartbeats stopped");
        instance("local-vm", "lost", "local", false);
        instance("ceph-vm", "lost", "ceph", false);
        instance("leaving-vm", "lost", "local", true);
        instance("fine-vm", "alive", "local", false);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private void instance(String name, String node, String backend, boolean deleting) {
        String path = Instance.path("t", "w", name);
        InstanceSpec runtime = new InstanceSpec(name + "-uid", path, 1, 1024, null,
                List.of(new DiskSpec("boot", name + "-vol", backend)), List.of(), PowerState.ON, 0);
        ResourceMetadata metadata = ResourceMetadata.created(DOWN_AT.minusSeconds(600));
        Instance instance = new Instance("t", "w", name, Map.of(), Map.of(), Map.of(), "seca.d2xs", "a", "boot", Map.of(), runtime, node,
                InstanceStatus.pending(DOWN_AT.minusSeconds(600), "Scheduled", null)
                        .transition(ResourceState.ACTIVE, DOWN_AT.minusSeconds(500), "Running", null),
                deleting ? metadata.markDeleted(DOWN_AT.minusSeconds(10)) : metadata);
        instances.compareAndPut(path, instance, 0).orElseThrow();
    }

    private void reportAt(Instant now) {
        new NodeLossReporter(instances, nodes, Clock.fixed(now, ZoneOffset.UTC), GRACE).report(instances.list());
    }

    private Instance get(String name) {
        return instances.get(Instance.path("t", "w", name)).orElseThrow().value();
    }

    @Test
    void withinTheGracePeriodNothingIsReported() {
        reportAt(DOWN_AT.plus(GRACE).minusMillis(1));
        for (String name : List.of("local-vm", "ceph-vm", "fine-vm")) {
            assertEquals(ResourceState.ACTIVE, get(name).status().state(), name);
        }
    }

    @Test
    void afterItInstancesOfTheLostNodeSayWhyTheyStayAndOthersAreUntouched() {
        Instant now = DOWN_AT.plus(GRACE);
        reportAt(now);
        Instance local = get("local-vm");
        assertEquals(ResourceState.ERROR, local.status().state());
        assertEquals(NodeLossReporter.REASON, local.status().conditions().get(0).reason());
        assertEquals("node lost has not answered since " + DOWN_AT + "; the instance stays on it (its local disks are there)"
                + " and its status returns when the node does", local.status().conditions().get(0).message());
        assertEquals("lost", local.nodeId());
        String ceph = get("ceph-vm").status().conditions().get(0).message();
        assertTrue(ceph.contains("its disks are remote, but it may still run there and the node cannot be fenced"), ceph);
        assertEquals("lost", get("ceph-vm").nodeId(), "not rescheduled: fencing is not guaranteed");
        assertEquals(ResourceState.ACTIVE, get("leaving-vm").status().state(), "a deleting instance waits for its node");
        assertEquals(ResourceState.ACTIVE, get("fine-vm").status().state());

        long revision = instances.get(Instance.path("t", "w", "local-vm")).orElseThrow().revision();
        reportAt(now.plusSeconds(60));
        assertEquals(revision, instances.get(Instance.path("t", "w", "local-vm")).orElseThrow().revision(),
                "reported once, not rewritten every pass");
    }
}
