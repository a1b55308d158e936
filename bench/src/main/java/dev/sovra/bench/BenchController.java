package dev.sovra.bench;

import dev.sovra.transport.Connection;
import dev.sovra.transport.MessageHandler;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.message.Welcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The controller side of the transport benchmark: welcomes agents like {@code node.AgentGateway}
 * does, keeps their connections by node id, and hands every ObservedState to a listener.
 */
final class BenchController implements MessageHandler {
    private final Map<String, Connection> agents = new ConcurrentHashMap<>();
    private final AtomicInteger disconnects = new AtomicInteger();
    private volatile Consumer<ObservedState> observations = o -> {};
    private volatile BiConsumer<String, String> disconnectListener = (nodeId, reason) -> {};

    Connection agent(String nodeId) {
        return agents.get(nodeId);
    }

    int connectedAgents() {
        return agents.size();
    }

    int disconnects() {
        return disconnects.get();
    }

    void onObservations(Consumer<ObservedState> listener) {
        this.observations = listener;
    }

    /** Told (node id, reason) when an agent's connection is gone. */
    void onDisconnect(BiConsumer<String, String> listener) {
        this.disconnectListener = listener;
    }

    @Override
    public void onConnected(Connection connection) {}

    @Override
    public void onMessage(Connection connection, Message message) {
        if (message instanceof ObservedState observed) {
            observations.accept(observed);
        }
    }

    @Override
    public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
        if (request instanceof Hello hello && hello.nodeId().equals(connection.peerNodeId())) {
            agents.put(hello.nodeId(), connection);
            return CompletableFuture.completedFuture(new Welcome(1000));
        }
        return CompletableFuture.completedFuture(new ErrorReply("unsupported", "controller does not answer " + request));
    }

    @Override
    public void onDisconnected(Connection connection, String reason) {
        if (connection.peerNodeId() != null && agents.remove(connection.peerNodeId(), connection)) {
            disconnects.incrementAndGet();
        }
        disconnectListener.accept(connection.peerNodeId(), reason);
    }
}
