package dev.sovra.bench;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.PowerState;
import dev.sovra.transport.Connection;
import dev.sovra.transport.MessageHandler;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.pki.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SIMULATED node agent for {@code bench e2e} only (never used by provisioning or system tests): a
 * real {@link TransportClient} with credentials from the controller's real enrolment port. It says
 * Hello with a fake inventory (64 CPUs, 256 GiB, zone {@code a}, storage backends local and ceph), acks every DesiredState and then
 * reports, as a partial ObservedState, every instance that is new or changed in it (STOPPED for power
 * OFF, RUNNING for ON; ABSENT for one that left the set) — the states a real agent would report once
 * converged — but touches no disk and no hypervisor. It records when it first saw each instance.
 */
final class E2eAgent implements MessageHandler, AutoCloseable {
    /** Called once per instance name, on the first DesiredState that contains it. */
    interface FirstSeen {
        void seen(String instanceName, long nanoTime);
    }

    private final String nodeId;
    private final NodeInventory inventory;
    private final TransportClient client;
    private final FirstSeen firstSeen;
    private final Executor reporter;
    private final CountDownLatch welcomed = new CountDownLatch(1);
    private final AtomicInteger disconnects;
    private final AtomicLong desiredMessages;
    private final AtomicLong desiredSpecs;
    /** uid -> power last reported; guarded by this. */
    private final Map<String, InstanceObservation> reported = new HashMap<>();
    private final Set<String> seen = new HashSet<>();

    E2eAgent(String nodeId, Credentials credentials, int port, FirstSeen firstSeen, Executor reporter,
             AtomicInteger disconnects, AtomicLong desiredMessages, AtomicLong desiredSpecs) {
        this(nodeId, credentials, port, firstSeen, reporter, disconnects, desiredMessages, desiredSpecs, null);
    }

    /** {@code shared}: run on these threads with other agents (null: an I/O and a handler thread of its own). */
    E2eAgent(String nodeId, Credentials credentials, int port, FirstSeen firstSeen, Executor reporter,
             AtomicInteger disconnects, AtomicLong desiredMessages, AtomicLong desiredSpecs, TransportClient.SharedThreads shared) {
        this.nodeId = nodeId;
        this.firstSeen = firstSeen;
        this.reporter = reporter;
        this.disconnects = disconnects;
        this.desiredMessages = desiredMessages;
        this.desiredSpecs = desiredSpecs;
        this.inventory = new NodeInventory(nodeId, "x86_64", 64, 256 * 1024, List.of(), List.of("kvm"), "kvm", "generic", "a",
                List.of("local", "ceph"), List.of());
        TransportClient.Builder builder = TransportClient.builder()
                .host("127.0.0.1")
                .port(port)
                .credentials(credentials)
                .connectTimeout(Duration.ofSeconds(30))
                .handler(this);
        if (shared != null) {
            builder.sharedThreads(shared);
        }
        this.client = builder.build();
    }

    void start() {
        client.start();
    }

    CountDownLatch welcomed() {
        return welcomed;
    }

    @Override
    public void onConnected(Connection c) {
        List<InstanceObservation> observed;
        synchronized (this) {
            observed = List.copyOf(reported.values());
        }
        c.request(new Hello(nodeId, inventory, observed), Duration.ofSeconds(60)).whenComplete((reply, error) -> {
            if (error != null || reply instanceof ErrorReply) {
                c.close("hello refused");
                return;
            }
            welcomed.countDown();
        });
    }

    @Override
    public void onMessage(Connection c, Message message) {
        // the controller sends agents no one-way messages besides heartbeats
    }

    @Override
    public CompletableFuture<? extends Message> onRequest(Connection c, Message request) {
        if (!(request instanceof DesiredState desired)) {
            return CompletableFuture.completedFuture(new ErrorReply("unsupported", "agent does not answer " + request));
        }
        long now = System.nanoTime();
        desiredMessages.incrementAndGet();
        desiredSpecs.addAndGet(desired.instances().size());
        List<InstanceObservation> changes = new ArrayList<>();
        synchronized (this) {
            Set<String> inDesired = new HashSet<>();
            Instant at = Instant.now();
            for (InstanceSpec spec : desired.instances()) {
                inDesired.add(spec.uid());
                if (seen.add(spec.uid())) {
                    firstSeen.seen(spec.ref().substring(spec.ref().lastIndexOf('/') + 1), now);
                }
                DomainState state = spec.power() == PowerState.ON ? DomainState.RUNNING : DomainState.STOPPED;
                InstanceObservation previous = reported.get(spec.uid());
                if (previous == null || previous.state() != state) {
                    InstanceObservation observation = new InstanceObservation(spec.uid(), spec.ref(), state,
                            spec.restartGeneration(), "", at);
                    reported.put(spec.uid(), observation);
                    changes.add(observation);
                }
            }
            for (var it = reported.values().iterator(); it.hasNext(); ) {
                InstanceObservation observation = it.next();
                if (!inDesired.contains(observation.uid())) {
                    it.remove();
                    changes.add(new InstanceObservation(observation.uid(), observation.ref(), DomainState.ABSENT, 0, "", at));
                }
            }
        }
        if (!changes.isEmpty()) {
            // As the real agent: store + ack first, converge and report afterwards (here: at once, nothing to do).
            reporter.execute(() -> c.send(ObservedState.instances(changes, false)));
        }
        return CompletableFuture.completedFuture(new Ack(desired.generation()));
    }

    @Override
    public void onDisconnected(Connection c, String reason) {
        disconnects.incrementAndGet();
    }

    @Override
    public void close() {
        client.close();
    }
}
