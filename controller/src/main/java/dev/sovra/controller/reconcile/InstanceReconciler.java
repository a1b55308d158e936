package dev.sovra.controller.reconcile;

import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.node.AgentGateway;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.scheduler.ClusterSnapshot;
import dev.sovra.controller.scheduler.Placement;
import dev.sovra.controller.scheduler.PlacementRequest;
import dev.sovra.controller.scheduler.PlacementWorker;
import dev.sovra.controller.scheduler.PlacementWorkers;
import dev.sovra.controller.scheduler.PlanApplier;
import dev.sovra.controller.scheduler.Scheduler;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.Node;
import dev.sovra.model.NodeDesired;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's control loop. Each pass reads the desired state from the store and moves the
 * world one step towards it: places unplaced instances, forgets deleted instances that never got a
 * node, and hands every node its desired set. Passes run on one thread, on a trigger or at least
 * every resync period, so a missed trigger or a crash between steps is repaired by the next pass.
 *
 * <p>A pass whose inputs did not change since the last full one skips the reading and rebuilding and only hands
 * the nodes the desired sets it built then (the gateway pushes what a node has not acknowledged: a reconnect, a
 * lost or refused push). The inputs of a full pass are: the store (instances, nodes, storage and network resources
 * and records, IPAM: one {@link Repository#storeRevision() revision} covers them all), the segments nodes report
 * ({@link NetworkReconciler#observationChanges()}), the clock where a pass acts on elapsed time (a node down past
 * the unreachable grace, {@link NodeLossReporter}), and placements deferred by the plan applier. A full pass also
 * runs at least every full-pass period whatever the inputs say, as the safety net for an input missed here.
 *
 * <p>Within a pass the unplaced instances are placed by {@link PlacementWorkers} (plan/apply): the pass builds
 * a {@link PlanApplier} from the stored placements, the workers decide concurrently on its snapshots, the
 * applier commits what still fits, and each committed placement is written with a CAS before it counts; a
 * failed write releases its claim. The store stays the source of truth, so a crash loses nothing.
 */
public final class InstanceReconciler implements ReconcileTrigger, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InstanceReconciler.class);
    /** Longer than a controller restart takes to hear from its agents again (all nodes are down until they do). */
    public static final Duration DEFAULT_UNREACHABLE_AFTER = Duration.ofSeconds(30);
    /** How often a pass reads and rebuilds everything even though no input changed. */
    public static final Duration DEFAULT_FULL_PASS_PERIOD = Duration.ofSeconds(30);

    private final Repository<Instance> instances;
    private final StorageReconciler storage;
    private final NetworkReconciler network;
    private final NodeRegistry nodes;
    private final Scheduler scheduler;
    private final PlacementWorkers workers;
    private final Function<String, Set<String>> skuCpuFeatures;
    private final NodeLossReporter nodeLoss;
    private final Clock clock;
    private final Duration resyncPeriod;
    private final Duration fullPassPeriod;
    private final Semaphore wakeup = new Semaphore(0);
    private final Thread thread;
    private AgentGateway gateway;
    private volatile boolean running = true;
    /** The applier of the placement phase in progress, else null; nodes going down reach it at once. */
    private volatile PlanApplier applier;
    // What the last full pass built and the inputs it saw (reconciler thread only).
    private Map<String, NodeDesired> desired = Map.of();
    private long builtAtRevision = -1;
    private long builtAtObservations = -1;
    private Instant nextTimedWork = Instant.MIN;
    private Instant nextFullPass = Instant.MIN;
    private boolean fullPassRequested;
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong fullPasses = new AtomicLong();

    public InstanceReconciler(Repository<Instance> instances, StorageReconciler storage, NetworkReconciler network,
                              NodeRegistry nodes, Scheduler scheduler, PlacementWorkers workers, Clock clock,
                              Duration resyncPeriod) {
        this(instances, storage, network, nodes, scheduler, workers, sku -> Set.of(), clock, resyncPeriod,
                DEFAULT_UNREACHABLE_AFTER, DEFAULT_FULL_PASS_PERIOD);
    }

    /**
     * @param skuCpuFeatures the CPU features an instance SKU requires of its node (empty for an unknown SKU)
     * @param unreachableAfter how long a node is down before its instances are reported {@code NodeUnreachable}
     * @param fullPassPeriod how often a pass reads and rebuilds everything although none of its inputs changed
     */
    public InstanceReconciler(Repository<Instance> instances, StorageReconciler storage, NetworkReconciler network,
                              NodeRegistry nodes, Scheduler scheduler, PlacementWorkers workers,
                              Function<String, Set<String>> skuCpuFeatures, Clock clock, Duration resyncPeriod,
                              Duration unreachableAfter, Duration fullPassPeriod) {
        this.skuCpuFeatures = skuCpuFeatures;
        this.nodeLoss = new NodeLossReporter(instances, nodes, clock, unreachableAfter);
        this.instances = instances;
        this.storage = storage;
        this.network = network;
        this.nodes = nodes;
        this.scheduler = scheduler;
        this.workers = workers;
        this.clock = clock;
        this.resyncPeriod = resyncPeriod;
        this.fullPassPeriod = fullPassPeriod;
        this.thread = new Thread(this::loop, "instance-reconciler");
        this.thread.setDaemon(true);
        nodes.onNodeChange(node -> {
            PlanApplier current = applier;
            if (current != null) {
                current.nodeChanged(node);
            }
        });
    }

    /** The gateway and the reconciler need each other; the gateway is attached before start. */
    public void start(AgentGateway agentGateway) {
        this.gateway = agentGateway;
        thread.start();
    }

    @Override
    public void trigger() {
        if (wakeup.availablePermits() == 0) {
            wakeup.release();
        }
    }

    private void loop() {
        while (running) {
            try {
                wakeup.tryAcquire(resyncPeriod.toMillis(), TimeUnit.MILLISECONDS);
                wakeup.drainPermits();
                if (running) {
                    pass();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("reconcile pass failed; retrying next period", e);
            }
        }
    }

    /**
     * One reconcile pass: a full one if an input changed (see the class comment), else only the hand-over of the
     * desired sets built last time. Public so tests and benchmarks can drive it deterministically (never while the
     * loop runs).
     */
    public void pass() {
        Instant now = clock.instant();
        // Read before the inputs themselves: a change landing during the pass shows as a change next time.
        long revision = instances.storeRevision();
        long observations = network.observationChanges();
        boolean unchanged = revision == builtAtRevision && observations == builtAtObservations && !fullPassRequested
                && now.isBefore(nextTimedWork) && now.isBefore(nextFullPass);
        if (!unchanged) {
            fullPassRequested = false;
            Instant timedWork = fullPass();
            // Recorded only once the full pass went through: one that threw is redone by the next pass.
            builtAtRevision = revision;
            builtAtObservations = observations;
            nextTimedWork = timedWork;
            nextFullPass = now.plus(fullPassPeriod);
            fullPasses.incrementAndGet();
        }
        if (gateway != null) {
            gateway.sync(desired);
        }
        passes.incrementAndGet();
    }

    /** Passes completed so far, and how many of them were full ones (read and rebuilt everything). */
    public long passes() {
        return passes.get();
    }

    public long fullPasses() {
        return fullPasses.get();
    }

    /** Reads everything, acts, and rebuilds every node's desired set; returns when time-driven work falls due next. */
    private Instant fullPass() {
        List<Node> nodeList = nodes.list();
        List<Versioned<Instance>> all = new ArrayList<>(instances.list());
        Set<String> busyVolumes = new HashSet<>();
        for (Versioned<Instance> entry : all) {
            if (entry.value().runtime().power() == PowerState.ON) {
                entry.value().runtime().disks().forEach(d -> busyVolumes.add(d.volumeUid()));
            }
        }
        StorageReconciler.Plan plan = storage.pass(nodeList, busyVolumes);
        all.sort(Comparator.comparing(v -> v.value().metadata().createdAt()));
        List<Versioned<Instance>> unplaced = new ArrayList<>();
        List<PlacementRequest> requests = new ArrayList<>();
        for (Versioned<Instance> entry : all) {
            Instance instance = entry.value();
            if (instance.nodeId() != null) {
                continue;
            }
            if (instance.metadata().deleting()) {
                if (instances.compareAndDelete(entry.id(), entry.revision())) {
                    log.info("instance deleted ref={} uid={} (never placed)", instance.path(), instance.uid());
                }
                continue;
            }
            Optional<PlacementRequest> request = request(instance, plan);
            if (request.isEmpty()) { // a local volume has no node yet: the instance must go where it will be
                waitForVolumes(entry);
                continue;
            }
            unplaced.add(entry);
            requests.add(request.get());
        }
        Map<String, Instance> placed = place(nodeList, all, unplaced, requests);
        Instant timedWork = nodeLoss.report(all);
        List<Instance> running = new ArrayList<>();
        for (Versioned<Instance> entry : all) { // in creation order, so a node's desired set is stable between passes
            Instance instance = placed.getOrDefault(entry.value().uid(), entry.value());
            if (instance.nodeId() != null && !instance.metadata().deleting()) {
                running.add(instance);
            }
        }
        // After placement: a NIC's port goes to the node of its instance.
        NetworkReconciler.Plan networkPlan = network.pass(nodeList, running);
        Map<String, List<InstanceSpec>> desiredByNode = new HashMap<>();
        for (Instance instance : running) {
            desiredByNode.computeIfAbsent(instance.nodeId(), k -> new ArrayList<>())
                    .add(instance.runtime().withNics(networkPlan.nics(instance.uid())));
        }
        Set<String> nodeIds = new HashSet<>(desiredByNode.keySet());
        nodeIds.addAll(plan.volumesByNode().keySet());
        nodeIds.addAll(plan.imagesByNode().keySet());
        nodeIds.addAll(networkPlan.byNode().keySet());
        Map<String, NodeDesired> next = new HashMap<>();
        for (String nodeId : nodeIds) {
            NodeDesired built = new NodeDesired(desiredByNode.getOrDefault(nodeId, List.of()), plan.volumes(nodeId),
                    plan.images(nodeId), networkPlan.network(nodeId));
            // The previous instance when equal: the gateway compares it with what the node acknowledged, and the
            // same instance compares in no time.
            NodeDesired previous = desired.get(nodeId);
            next.put(nodeId, built.equals(previous) ? previous : built);
        }
        desired = next;
        return timedWork;
    }

    private void waitForVolumes(Versioned<Instance> entry) {
        Instance instance = entry.value();
        Instance next = instance.withStatus(instance.status().transition(ResourceState.PENDING, clock.instant(), "NoCapacity",
                "its local volumes are not on a node yet: no ready node with local storage"));
        if (!next.equals(instance) && instances.compareAndPut(entry.id(), next, entry.revision()).isPresent()) {
            log.info("instance waits for its volumes ref={} uid={}", instance.path(), instance.uid());
        }
    }

    /**
     * Places the unplaced instances through the plan applier with the workers; returns the instances now placed
     * (as written), by uid. Refused ones are marked PENDING with the reasons; deferred ones wait for the next pass.
     */
    private Map<String, Instance> place(List<Node> nodeList, List<Versioned<Instance>> all, List<Versioned<Instance>> unplaced,
                                        List<PlacementRequest> requests) {
        if (unplaced.isEmpty()) {
            return Map.of();
        }
        Map<String, Versioned<Instance>> byUid = new HashMap<>();
        unplaced.forEach(entry -> byUid.put(entry.value().uid(), entry));
        Map<String, Instance> placed = new ConcurrentHashMap<>();
        PlanApplier current = new PlanApplier(ClusterSnapshot.of(nodeList, all.stream().map(Versioned::value).toList()),
                scheduler.checks());
        applier = current;
        List<PlacementWorker.Outcome> outcomes;
        try {
            outcomes = workers.place(scheduler, current, requests,
                    placement -> record(byUid.get(placement.instanceUid()), placement, placed));
        } finally {
            applier = null;
        }
        for (PlacementWorker.Outcome outcome : outcomes) {
            if (outcome instanceof PlacementWorker.Refused refused) {
                markUnschedulable(byUid.get(refused.request().instanceUid()), refused.decision());
            } else if (outcome instanceof PlacementWorker.Deferred deferred) {
                log.info("instance placement deferred uid={} reason=\"{}\"", deferred.request().instanceUid(), deferred.reason());
                fullPassRequested = true; // the store may not change meanwhile: the next pass must place it
                trigger();
            }
        }
        return placed;
    }

    /** The durable half of a committed placement (called on a worker thread): false if the instance changed meanwhile. */
    private boolean record(Versioned<Instance> entry, Placement placement, Map<String, Instance> placed) {
        Instance instance = entry.value();
        Instance next = instance.withNode(placement.nodeId()).withStatus(instance.status().transition(ResourceState.CREATING,
                clock.instant(), "Scheduled", "placed on node " + placement.nodeId()));
        if (instances.compareAndPut(entry.id(), next, entry.revision()).isEmpty()) {
            return false; // changed under us (e.g. deleted); the next pass sees the new version
        }
        placed.put(instance.uid(), next);
        log.info("instance placed ref={} uid={} node={}", instance.path(), instance.uid(), placement.nodeId());
        return true;
    }

    private void markUnschedulable(Versioned<Instance> entry, Scheduler.Decision decision) {
        Instance instance = entry.value();
        Instance next = instance.withStatus(instance.status().transition(ResourceState.PENDING, clock.instant(), "NoCapacity",
                decision.summary()));
        if (next.equals(instance)) {
            return;
        }
        if (instances.compareAndPut(entry.id(), next, entry.revision()).isEmpty()) {
            fullPassRequested = true;
            trigger(); // changed under us; the next pass sees the new version
            return;
        }
        log.info("instance unschedulable ref={} uid={} reasons=\"{}\"", instance.path(), instance.uid(), decision.summary());
    }

    /**
     * What the instance needs from a node, its volumes included; empty while one of its local volumes has no
     * node yet (the instance must go where that volume will be).
     */
    private Optional<PlacementRequest> request(Instance instance, StorageReconciler.Plan plan) {
        String volumeNode = null;
        Set<String> backends = new HashSet<>();
        for (DiskSpec disk : instance.runtime().disks()) {
            backends.add(disk.backend());
            VolumeRecord volume = plan.volumesByUid().get(disk.volumeUid());
            if (StorageReconciler.LOCAL.equals(disk.backend())) {
                if (volume == null || volume.nodeId() == null) {
                    return Optional.empty();
                }
                if (volumeNode != null && !volumeNode.equals(volume.nodeId())) {
                    volumeNode = "(local volumes on several nodes: " + volumeNode + ", " + volume.nodeId() + ")";
                } else if (volumeNode == null) {
                    volumeNode = volume.nodeId();
                }
            }
        }
        return Optional.of(new PlacementRequest(instance.uid(), instance.runtime().vcpus(), instance.runtime().memoryMiB(),
                instance.zone(), ClusterSnapshot.antiAffinityGroup(instance), volumeNode, backends,
                skuCpuFeatures.apply(instance.sku())));
    }

    @Override
    public void close() {
        running = false;
        workers.close();
        trigger();
        thread.interrupt();
    }
}
