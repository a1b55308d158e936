package dev.sovra.controller.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.node.AgentGateway;
import dev.sovra.controller.node.CapacityPolicy;
import dev.sovra.controller.node.EnrolmentService;
import dev.sovra.controller.node.EnrolmentTokenRecord;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.scheduler.PlacementWorkers;
import dev.sovra.controller.scheduler.Scheduler;
import dev.sovra.controller.storage.ImageRecord;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.testing.MovableClock;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceState;
import dev.sovra.model.network.SegmentObservation;
import dev.sovra.transport.Connection;
import dev.sovra.transport.Enrolment;
import dev.sovra.transport.MessageHandler;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.TransportServer;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reconcile pass whose inputs did not change skips the full pass (counted by the reconciler) and pushes nothing, and
 * a change of each input kind still reaches the node: a store write, a push the agent refused, the clock passing the
 * unreachable grace of a down node, a node's segment report, and the full-pass period. The controller side is the
 * real one (store, reconciler loop, gateway, mutual-TLS transport); the agent is a test client that records the
 * DesiredStates it receives and acks them (or refuses one when asked).
 */
class UnchangedPassTest {
    private static final Instant START = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration FULL_PASS_PERIOD = Duration.ofMinutes(10);
    private static final long WAIT_MS = 20_000;

    @TempDir
    Path dir;
    private final MovableClock clock = new MovableClock(START);
    private MvStateStore store;
    private Repository<Instance> instances;
    private NodeRegistry nodes;
    private NetworkReconciler network;
    private InstanceReconciler reconciler;
    private TransportServer server;
    private TransportClient client;
    private final TestAgent agent = new TestAgent("node-a");

    @BeforeEach
    void start() throws Exception {
        store = MvStateStore.open(dir.resolve("state.mv.db"));
        instances = Repository.decodeCached(store, "instances", Instance.class);
        nodes = new NodeRegistry(Repository.decodeCached(store, "nodes", Node.class),
                new CapacityPolicy(new CapacityPolicy.Ratios(2.0, 1.0), Map.of(), 0), clock);
        ComputeCatalog catalog = new ComputeCatalog("r", List.of("a"), Map.of(), Map.of(), List.of(), List.of());
        StorageReconciler storage = new StorageReconciler(Repository.decodeCached(store, "volumes", VolumeRecord.class),
                Repository.decodeCached(store, "image-data", ImageRecord.class), new ResourceService(store, "r", clock), catalog,
                "local", clock);
        // No node reports an underlay: the network step plans nothing, but its reports are still an input of a pass.
        network = new NetworkReconciler(() -> {
            throw new AssertionError("network resources are read only when a node does tenant networking");
        }, clock);
        reconciler = new InstanceReconciler(instances, storage, network, nodes, Scheduler.standard(), new PlacementWorkers(1, 4, 8),
                s -> java.util.Set.of(), clock, Duration.ofHours(1), GRACE, FULL_PASS_PERIOD); // passes only when triggered
        AgentGateway gateway = new AgentGateway(nodes, new InstanceStatusUpdater(instances, reconciler, clock), storage, network,
                reconciler, Duration.ofSeconds(1), Duration.ofSeconds(10));
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("pki"));
        EnrolmentService enrolment = new EnrolmentService(new Repository<>(store, "enrolment-tokens", EnrolmentTokenRecord.class),
                ca, Duration.ofDays(1), Clock.systemUTC());
        server = TransportServer.builder()
                .bindHost("127.0.0.1").agentPort(0).enrolPort(0)
                .credentials(ca.issueServerCredentials(List.of("localhost"), List.of("127.0.0.1")))
                .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(30))
                .agentHandler(gateway).enrolmentHandler(enrolment)
                .build();
        server.start();
        reconciler.start(gateway);
        Credentials credentials = Enrolment.enrol("127.0.0.1", server.enrolPort(), enrolment.mint(Duration.ofMinutes(5)),
                agent.nodeId, Duration.ofSeconds(10));
        client = TransportClient.builder().host("127.0.0.1").port(server.agentPort()).credentials(credentials).handler(agent).build();
        client.start();
        // Hello marks the node ready; the pass after it pushes the (still empty) desired set.
        DesiredState first = agent.next();
        assertNotNull(first, "the agent gets its desired set after Hello");
        assertTrue(first.instances().isEmpty());
        awaitQuiet();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (reconciler != null) {
            reconciler.close();
        }
        if (server != null) {
            server.close();
        }
        store.close();
    }

    @Test
    void anUnchangedWorldSkipsTheFullPassAndPushesNothing() throws Exception {
        long fullPasses = reconciler.fullPasses();
        long passes = reconciler.passes();
        for (int i = 0; i < 5; i++) {
            passOnce();
        }
        assertTrue(reconciler.passes() >= passes + 5);
        assertEquals(fullPasses, reconciler.fullPasses(), "no input changed: no pass reads and rebuilds");
        assertNull(agent.desired.poll(), "nothing new to push");

        clock.advance(FULL_PASS_PERIOD); // the safety net: a full pass at least once per period
        passOnce();
        assertEquals(fullPasses + 1, reconciler.fullPasses());
        assertNull(agent.desired.poll(), "a full pass that finds nothing new pushes nothing");
    }

    @Test
    void aStoreWriteReachesTheAgent() throws Exception {
        long fullPasses = reconciler.fullPasses();
        create("vm-1", null);
        reconciler.trigger();
        DesiredState desired = agent.next();
        assertNotNull(desired, "the new instance is pushed");
        assertEquals(List.of("vm-1"), names(desired));
        assertTrue(reconciler.fullPasses() > fullPasses);
        assertEquals("node-a", instances.get(Instance.path("t", "w", "vm-1")).orElseThrow().value().nodeId());
    }

    @Test
    void aRefusedPushIsRepeatedByAPassThatRebuildsNothing() throws Exception {
        create("vm-1", "node-a"); // placed already: the full pass writes nothing, so no later pass has a reason to rebuild
        agent.refuseNext.set(true);
        reconciler.trigger();
        DesiredState refused = agent.next();
        assertNotNull(refused);
        assertEquals(List.of("vm-1"), names(refused));
        long fullPasses = reconciler.fullPasses();
        // The refusal (an error reply, as from an agent that could not store it) triggers a pass; nothing changed
        // since the pass that built this set, yet the set is offered again, and acknowledged this time.
        DesiredState repeated = agent.next();
        assertNotNull(repeated, "a refused push is repeated");
        assertEquals(List.of("vm-1"), names(repeated));
        awaitQuiet();
        passOnce();
        assertEquals(fullPasses, reconciler.fullPasses(), "repeating the push needed no full pass");
        assertNull(agent.desired.poll(), "the acknowledged set is not pushed again");
    }

    @Test
    void theClockPassingTheGraceOfADownNodeRunsTheUnreachableReportWithoutAnyWrite() throws Exception {
        nodes.markReady("node-gone", new NodeInventory("node-gone", "cpu", 4, 8192, List.of(), List.of("kvm"), "kvm", "generic", "a"));
        create("vm-on-gone", "node-gone");
        nodes.markDown("node-gone", "test: its agent went away");
        passOnce();
        awaitQuiet();
        long fullPasses = reconciler.fullPasses();
        passOnce();
        assertEquals(fullPasses, reconciler.fullPasses());
        assertEquals(ResourceState.PENDING, status("vm-on-gone").state(), "still within the grace period");

        clock.advance(GRACE.plusSeconds(1)); // nothing is written: only time passes
        passOnce();
        assertTrue(reconciler.fullPasses() > fullPasses);
        InstanceStatus status = status("vm-on-gone");
        assertEquals(ResourceState.ERROR, status.state());
        assertEquals(NodeLossReporter.REASON, status.conditions().get(0).reason());
    }

    @Test
    void aChangedSegmentReportRunsAFullPassAndARepeatedOneDoesNot() throws Exception {
        long fullPasses = reconciler.fullPasses();
        network.observe("node-a", List.of(new SegmentObservation("tenants/t/workspaces/w/networks/n", 7)));
        passOnce();
        assertEquals(fullPasses + 1, reconciler.fullPasses(), "NIC and network status come from these reports");
        network.observe("node-a", List.of(new SegmentObservation("tenants/t/workspaces/w/networks/n", 7)));
        passOnce();
        assertEquals(fullPasses + 1, reconciler.fullPasses(), "the same report again changes nothing");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private void create(String name, String nodeId) {
        String uid = UUID.nameUUIDFromBytes(name.getBytes()).toString();
        String path = Instance.path("t", "w", name);
        InstanceSpec runtime = new InstanceSpec(uid, path, 1, 1024, null, List.of(), List.of(), PowerState.ON, 0);
        Instance instance = new Instance("t", "w", name, Map.of(), Map.of(), Map.of(), "seca.d2xs", "a", "boot", Map.of(), runtime, nodeId,
                InstanceStatus.pending(START, "Creating", null), ResourceMetadata.created(START));
        assertTrue(instances.compareAndPut(path, instance, 0).isPresent());
    }

    private InstanceStatus status(String name) {
        return instances.get(Instance.path("t", "w", name)).orElseThrow().value().status();
    }

    private static List<String> names(DesiredState desired) {
        return desired.instances().stream().map(s -> s.ref().substring(s.ref().lastIndexOf('/') + 1)).toList();
    }

    /** Triggers the loop and waits until the triggered pass and any it set off have completed. */
    private void passOnce() throws InterruptedException {
        long before = reconciler.passes();
        reconciler.trigger();
        await(() -> reconciler.passes() > before);
        awaitQuiet();
    }

    /** Waits until the passes set off by acks and reports have run out (no pass completes for a while). */
    private void awaitQuiet() throws InterruptedException {
        await(() -> {
            long count = reconciler.passes();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return reconciler.passes() == count;
        });
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("condition not met within " + WAIT_MS + " ms");
            }
            Thread.sleep(5);
        }
    }

    /** A node's agent over the real transport: says Hello, records every DesiredState, acks it or refuses one. */
    private static final class TestAgent implements MessageHandler {
        final String nodeId;
        final BlockingQueue<DesiredState> desired = new LinkedBlockingQueue<>();
        final AtomicBoolean refuseNext = new AtomicBoolean();

        TestAgent(String nodeId) {
            this.nodeId = nodeId;
        }

        DesiredState next() throws InterruptedException {
            return desired.poll(5, TimeUnit.SECONDS);
        }

        @Override
        public void onConnected(Connection connection) {
            connection.request(new Hello(nodeId, new NodeInventory(nodeId, "cpu", 16, 64 * 1024, List.of(), List.of("kvm"), "kvm",
                    "generic", "a"), List.of()), Duration.ofSeconds(10));
        }

        @Override
        public void onMessage(Connection connection, Message message) {}

        @Override
        public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
            if (!(request instanceof DesiredState state)) {
                return CompletableFuture.completedFuture(new ErrorReply("unsupported", "test agent answers DesiredState only"));
            }
            desired.add(state);
            if (refuseNext.getAndSet(false)) {
                return CompletableFuture.completedFuture(new ErrorReply("busy", "test agent refuses this push"));
            }
            return CompletableFuture.completedFuture(new Ack(state.generation()));
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {}
    }
}
