package dev.sovra.bench;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.node.CapacityPolicy;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.reconcile.InstanceReconciler;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.scheduler.PlacementWorkers;
import dev.sovra.controller.scheduler.Scheduler;
import dev.sovra.controller.storage.ImageRecord;
import dev.sovra.controller.storage.StorageNaming;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.PowerState;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@code bench reconcile --instances N [--nodes M] [--passes P]}: the controller's reconcile pass over a real embedded
 * store holding N instances, each booting from its own block storage (remote-durable, so on Ceph), on M ready nodes; no
 * agents. Times the pass that places them all, then P passes in which nothing changed (what every resync period and
 * every trigger costs at that size: they skip the full pass), the reads a full pass makes, and P passes each after one
 * store write (a label on one instance), which are full passes.
 */
final class ReconcileBench {
    private static final ResourceService.Rules ANYTHING = (tenant, workspace, request, existing) -> { };

    private ReconcileBench() {}

    static void run(Args args) throws IOException {
        int instanceCount = args.intOption("--instances", 10_000);
        int nodeCount = args.intOption("--nodes", 100);
        int passes = args.intOption("--passes", 20);
        Path dir = Files.createTempDirectory("sovra-bench-reconcile-");
        Clock clock = Clock.systemUTC();
        try (MvStateStore store = MvStateStore.open(dir.resolve("state.mv.db"))) {
            ResourceService resources = new ResourceService(store, "r1", clock);
            ComputeCatalog catalog = new ComputeCatalog("r1", List.of("a"), Map.of(), Map.of(), List.of(
                    new ComputeCatalog.CatalogSku("seca.rd500", Map.of(), Map.of("type", "remote-durable"))), List.of());
            // The repositories as ControllerFactory makes them.
            StorageReconciler storage = new StorageReconciler(Repository.decodeCached(store, "volumes", VolumeRecord.class),
                    Repository.decodeCached(store, "image-data", ImageRecord.class), resources, catalog, "ceph", clock);
            NodeRegistry nodes = new NodeRegistry(Repository.decodeCached(store, "nodes", Node.class),
                    new CapacityPolicy(new CapacityPolicy.Ratios(4.0, 1.0), Map.of(), 1024), clock);
            for (int i = 0; i < nodeCount; i++) {
                String id = String.format("node-%04d", i);
                nodes.markReady(id, new NodeInventory(id, "x86_64", 64, 512 * 1024, List.of(), List.of("kvm"), "kvm", "generic",
                        "a", List.of("local", "ceph"), List.of()));
            }
            Repository<Instance> instances = Repository.decodeCached(store, "instances", Instance.class);
            long fillStarted = System.nanoTime();
            fill(resources, instances, instanceCount);
            System.err.printf(Locale.ROOT, "fixture: %d nodes, %d instances and %d block storages written in %.1f s (%s)%n",
                    nodeCount, instanceCount, instanceCount, seconds(fillStarted), dir);

            NetworkReconciler network = new NetworkReconciler(() -> {
                throw new IllegalStateException("no node does tenant networking here");
            }, clock);
            try (InstanceReconciler reconciler = new InstanceReconciler(instances, storage, network, nodes, Scheduler.standard(),
                    new PlacementWorkers(2, 16, 8), clock, Duration.ofHours(1))) {
                double firstMs = millis(reconciler::pass);
                double secondMs = millis(reconciler::pass); // binds nothing new, places nothing
                long placed = instances.list().stream().filter(v -> v.value().nodeId() != null).count();
                double[] pass = new double[passes];
                double[] instanceReads = new double[passes];
                double[] resourceReads = new double[passes];
                double[] storagePass = new double[passes];
                List<Node> nodeList = nodes.list();
                long fullBefore = reconciler.fullPasses();
                for (int i = 0; i < passes; i++) {
                    pass[i] = millis(reconciler::pass);
                    instanceReads[i] = timed(instances::list);
                    resourceReads[i] = timed(() -> resources.everywhere(ResourceType.BLOCK_STORAGE));
                    storagePass[i] = timed(() -> storage.pass(nodeList, Set.of()));
                }
                long idleFullPasses = reconciler.fullPasses() - fullBefore;
                // One store write before each pass (a label on one instance, nothing to place or push): a full pass.
                double[] changedPass = new double[passes];
                for (int i = 0; i < passes; i++) {
                    String path = Instance.path("t1", "ws", "vm-" + i);
                    String label = Integer.toString(i);
                    instances.update(path, instance -> new Instance(instance.tenant(), instance.workspace(), instance.name(),
                            Map.of("touched", label), instance.annotations(), instance.extensions(), instance.sku(), instance.zone(),
                            instance.bootVolume(),
                            instance.spec(), instance.runtime(), instance.nodeId(), instance.status(), instance.metadata()));
                    changedPass[i] = millis(reconciler::pass);
                }
                System.out.println(String.format(Locale.ROOT,
                        "instances=%d nodes=%d placed=%d first_pass_ms=%.0f second_pass_ms=%.0f idle_pass_p50_ms=%.3f"
                                + " idle_pass_max_ms=%.3f idle_full_passes=%d changed_pass_p50_ms=%.1f changed_pass_max_ms=%.1f"
                                + " instances_list_p50_ms=%.1f block_storages_list_p50_ms=%.1f storage_pass_p50_ms=%.1f passes=%d",
                        instanceCount, nodeCount, placed, firstMs, secondMs, median(pass), Arrays.stream(pass).max().orElse(0),
                        idleFullPasses, median(changedPass), Arrays.stream(changedPass).max().orElse(0),
                        median(instanceReads), median(resourceReads), median(storagePass), passes));
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static void fill(ResourceService resources, Repository<Instance> instances, int count) {
        resources.put(ResourceType.WORKSPACE, "t1", null, "ws", new ResourceRequest(Map.of(), Map.of(), Map.of(), null, Map.of()),
                null, ANYTHING);
        Instant created = Instant.now();
        for (int i = 0; i < count; i++) {
            String name = "vm-" + i;
            Resource boot = resources.put(ResourceType.BLOCK_STORAGE, "t1", "ws", "boot-" + i, new ResourceRequest(Map.of(),
                    Map.of(), Map.of(), null, Map.of("skuRef", "skus/seca.rd500", "sizeGB", 1)), null, ANYTHING).resource();
            String uid = UUID.randomUUID().toString();
            String path = Instance.path("t1", "ws", name);
            InstanceSpec runtime = new InstanceSpec(uid, path, 1, 1024, null,
                    List.of(new DiskSpec("boot", StorageNaming.uid(boot), "ceph")), List.of(), PowerState.ON, 0);
            Instance instance = new Instance("t1", "ws", name, Map.of(), Map.of(), Map.of(), "seca.d2xs", "a", "boot-" + i, Map.of(), runtime,
                    null, InstanceStatus.pending(created, "Creating", null), ResourceMetadata.created(created.plusMillis(i)));
            if (instances.compareAndPut(path, instance, 0).isEmpty()) {
                throw new IllegalStateException("instance " + path + " exists already");
            }
        }
    }

    private static double millis(Runnable action) {
        long started = System.nanoTime();
        action.run();
        return (System.nanoTime() - started) / 1e6;
    }

    private static double timed(Supplier<?> action) {
        return millis(action::get);
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
