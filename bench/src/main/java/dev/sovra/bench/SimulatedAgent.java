package dev.sovra.bench;

import dev.sovra.model.NodeInventory;
import dev.sovra.transport.Connection;
import dev.sovra.transport.MessageHandler;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.pki.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SIMULATED node agent for benchmarks only (never used by provisioning or system tests): a real
 * {@link TransportClient} with real node credentials that speaks the agent's protocol like
 * {@code agent.link.ControllerLink} (Hello with its inventory on every connect, Ack for every
 * DesiredState) but keeps the desired set only in memory and touches no hypervisor.
 */
final class SimulatedAgent implements MessageHandler, AutoCloseable {
    private final String nodeId;
    private final NodeInventory inventory;
    private final TransportClient client;
    private final CountDownLatch welcomed = new CountDownLatch(1);
    private final AtomicInteger disconnects;
    private volatile Connection connection;
    private volatile long desiredGeneration;

    /** {@code shared}: the simulator's shared threads, or null for an I/O and handler thread of its own. */
    SimulatedAgent(String nodeId, Credentials credentials, int port, AtomicInteger disconnects, TransportClient.SharedThreads shared) {
        this.nodeId = nodeId;
        this.disconnects = disconnects;
        this.inventory = new NodeInventory(nodeId, "x86_64", 64, 256 * 1024, List.of(), List.of("kvm"), "kvm", "generic",
                ClusterFixture.ZONES[Math.floorMod(nodeId.hashCode(), ClusterFixture.ZONES.length)]);
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

    /** The connection once the controller answered Hello, else null. */
    Connection connection() {
        return connection;
    }

    long desiredGeneration() {
        return desiredGeneration;
    }

    @Override
    public void onConnected(Connection c) {
        c.request(new Hello(nodeId, inventory, List.of()), Duration.ofSeconds(30)).whenComplete((reply, error) -> {
            if (error != null || reply instanceof ErrorReply) {
                c.close("hello refused");
                return;
            }
            connection = c;
            welcomed.countDown();
        });
    }

    @Override
    public void onMessage(Connection c, Message message) {
        // the controller sends agents no one-way messages besides heartbeats
    }

    @Override
    public CompletableFuture<? extends Message> onRequest(Connection c, Message request) {
        if (request instanceof DesiredState desired) {
            desiredGeneration = desired.generation();
            return CompletableFuture.completedFuture(new Ack(desired.generation()));
        }
        return CompletableFuture.completedFuture(new ErrorReply("unsupported", "agent does not answer " + request));
    }

    @Override
    public void onDisconnected(Connection c, String reason) {
        if (connection == c) {
            connection = null;
        }
        disconnects.incrementAndGet();
    }

    @Override
    public void close() {
        client.close();
    }
}
