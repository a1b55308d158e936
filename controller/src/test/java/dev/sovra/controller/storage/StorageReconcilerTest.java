package dev.sovra.controller.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import dev.sovra.model.StorageCapacity;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's storage pass over a real embedded store, without agents. */
class StorageReconcilerTest {
    private static final ResourceService.Rules ANYTHING = (tenant, workspace, request, existing) -> { };

    @TempDir
    Path dir;
    private MvStateStore store;
    private ResourceService resources;
    private StorageReconciler storage;

    @BeforeEach
    void setUp() {
        store = MvStateStore.open(dir.resolve("state.mv.db"));
        resources = new ResourceService(store, "r1", Clock.systemUTC());
        ComputeCatalog catalog = new ComputeCatalog("r1", List.of("a"), Map.of(), Map.of(), List.of(
                new ComputeCatalog.CatalogSku("seca.ld500", Map.of(), Map.of("type", "local-durable")),
                new ComputeCatalog.CatalogSku("seca.rd500", Map.of(), Map.of("type", "remote-durable"))), List.of());
        storage = new StorageReconciler(new Repository<>(store, "volumes", VolumeRecord.class),
                new Repository<>(store, "image-data", ImageRecord.class), resources, catalog, "ceph", Clock.systemUTC());
        resources.put(ResourceType.WORKSPACE, "t1", null, "ws", new ResourceRequest(Map.of(), Map.of(), Map.of(), null, Map.of()),
                null, ANYTHING);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private void blockStorage(String name, String sku, Object sizeGB) {
        resources.put(ResourceType.BLOCK_STORAGE, "t1", "ws", name, new ResourceRequest(Map.of(), Map.of(), Map.of(), null,
                Map.of("skuRef", "skus/" + sku, "sizeGB", sizeGB)), null, ANYTHING);
    }

    private static Node node(String id, long freeLocalMiB) {
        NodeInventory inventory = new NodeInventory(id, "cpu", 8, 32_768, List.of(), List.of("qemu"), "qemu", "generic", "a",
                List.of("local", "ceph"), List.of(new StorageCapacity("local", 1_000_000, freeLocalMiB)));
        return new Node(id, inventory, NodeState.READY, 4, 1, 1024, Instant.now(), Instant.now());
    }

    @Test
    void theBackendComesFromTheSkuAndLocalVolumesGoWhereTheSpaceIs() {
        blockStorage("local", "seca.ld500", 20);
        blockStorage("remote", "seca.rd500", 20);
        StorageReconciler.Plan plan = storage.pass(List.of(node("small", 20_000), node("big", 500_000)), Set.of());
        for (VolumeRecord volume : plan.volumesByUid().values()) {
            if (volume.ref().endsWith("/local")) {
                assertEquals("local", volume.backend());
                assertEquals("big", volume.nodeId(), "the node with the most free local space");
                assertEquals(20 * 1024, volume.sizeMiB());
            } else {
                assertEquals("ceph", volume.backend(), "remote-durable lives on the configured remote backend");
                assertTrue(Set.of("small", "big").contains(volume.nodeId()));
            }
        }
        assertEquals(2, plan.volumesByUid().size());
    }

    @Test
    void aResourceThePassCannotReadIsSkippedAndTheOthersGoOn() {
        blockStorage("broken", "seca.ld500", "twenty"); // stored by an older version, say: sizeGB is no number
        blockStorage("fine", "seca.ld500", 1);
        StorageReconciler.Plan plan = storage.pass(List.of(node("n1", 100_000)), Set.of());
        assertEquals(1, plan.volumesByUid().size());
        VolumeRecord fine = plan.volumesByUid().values().iterator().next();
        assertTrue(fine.ref().endsWith("/fine"), fine.ref());
        assertEquals("n1", fine.nodeId());
        assertFalse(plan.volumes("n1").isEmpty(), "the node still gets its desired volumes");
    }
}
