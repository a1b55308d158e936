package dev.sovra.controller.node;

import dev.sovra.controller.reconcile.InstanceStatusUpdater;
import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.reconcile.ReconcileTrigger;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.model.NodeDesired;
import dev.sovra.transport.Connection;
import dev.sovra.transport.MessageHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.message.Welcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of every agent connection. Agents say Hello with their inventory and what
 * they run; the gateway keeps one session per node and pushes each node its full desired set
 * whenever it differs from what the node last acknowledged (level-triggered, so a lost message or
 * a reconnect is repaired by the next push). A slow agent never gets a second push in flight, and
 * nothing is written to a connection that is not writable: updates coalesce instead of queueing.
 */
public final class AgentGateway implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(AgentGateway.class);

    private final NodeRegistry nodes;
    private final InstanceStatusUpdater statusUpdater;
    private final StorageReconciler storage;
    private final ReconcileTrigger reconciler;
    private final NetworkReconciler network;
    private final Duration heartbeatInterval;
    private final Duration requestTimeout;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private static final NodeDesired NOTHING = new NodeDesired(List.of(), List.of(), List.of());
    private final AtomicLong generations = new AtomicLong(System.currentTimeMillis() * 1000);

    public AgentGateway(NodeRegistry nodes, InstanceStatusUpdater statusUpdater, StorageReconciler storage,
                        NetworkReconciler network, ReconcileTrigger reconciler, Duration heartbeatInterval,
                        Duration requestTimeout) {
        this.nodes = nodes;
        this.network = network;
        this.statusUpdater = statusUpdater;
        this.storage = storage;
        this.reconciler = reconciler;
        this.heartbeatInterval = heartbeatInterval;
        this.requestTimeout = requestTimeout;
    }

    /** One agent connection that has said Hello. */
    private static final class Session {
        final String nodeId;
        final Connection connection;
        NodeDesired acknowledged;
        boolean pushInFlight;

        Session(String nodeId, Connection connection) {
            this.nodeId = nodeId;
            this.connection = connection;
        }
    }

    @Override
    public void onConnected(Connection connection) {
        log.debug("agent connected node={} remote={}", connection.peerNodeId(), connection.remoteAddress());
    }

    @Override
    public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
        if (request instanceof Hello hello) {
            return CompletableFuture.completedFuture(hello(connection, hello));
        }
        return CompletableFuture.completedFuture(new ErrorReply("unsupported",
                "controller does not answer " + request.getClass().getSimpleName()));
    }

    private Message hello(Connection connection, Hello hello) {
        String nodeId = connection.peerNodeId();
        if (nodeId == null || !nodeId.equals(hello.nodeId())) {
            log.warn("hello refused certificateNode={} claimedNode={} remote={}", nodeId, hello.nodeId(), connection.remoteAddress());
            connection.close("node id does not match certificate");
            return new ErrorReply("identity-mismatch", "hello for node " + hello.nodeId() + " on a connection of " + nodeId);
        }
        nodes.markReady(nodeId, hello.inventory());
        Session previous = sessions.put(nodeId, new Session(nodeId, connection));
        if (previous != null && previous.connection != connection) {
            previous.connection.close("replaced by a new connection of the same node");
        }
        statusUpdater.apply(nodeId, hello.observed(), true);
        reconciler.trigger();
        return new Welcome(heartbeatInterval.toMillis());
    }

    @Override
    public void onMessage(Connection connection, Message message) {
        String nodeId = connection.peerNodeId();
        Session session = nodeId == null ? null : sessions.get(nodeId);
        if (session == null || session.connection != connection) {
            log.warn("message before hello node={} type={}", nodeId, message.getClass().getSimpleName());
            return;
        }
        if (message instanceof ObservedState observed) {
            if (!observed.observations().isEmpty() || observed.full()) {
                statusUpdater.apply(nodeId, observed.observations(), observed.full());
            }
            if (!observed.volumes().isEmpty() || !observed.images().isEmpty()) {
                storage.apply(nodeId, observed.volumes(), observed.images());
            }
            if (observed.segments() != null) {
                network.observe(nodeId, observed.segments());
                reconciler.trigger(); // the pass turns NIC and network status
            }
        }
    }

    @Override
    public void onWritabilityChanged(Connection connection, boolean writable) {
        if (writable) {
            reconciler.trigger();
        }
    }

    @Override
    public void onDisconnected(Connection connection, String reason) {
        String nodeId = connection.peerNodeId();
        if (nodeId == null) {
            return;
        }
        Session session = sessions.get(nodeId);
        if (session != null && session.connection == connection && sessions.remove(nodeId, session)) {
            nodes.markDown(nodeId, reason);
        }
    }

    /**
     * Sends each connected node its desired set if it differs from what it last acknowledged.
     * Called by the reconciler after every pass; never blocks.
     */
    public void sync(Map<String, NodeDesired> desiredByNode) {
        for (Session session : sessions.values()) {
            NodeDesired desired = desiredByNode.getOrDefault(session.nodeId, NOTHING);
            synchronized (session) {
                if (session.pushInFlight || desired.equals(session.acknowledged) || !session.connection.isWritable()) {
                    continue;
                }
                session.pushInFlight = true;
            }
            push(session, desired);
        }
    }

    private void push(Session session, NodeDesired desired) {
        long generation = generations.incrementAndGet();
        DesiredState message = new DesiredState(generation, desired.instances(), desired.volumes(), desired.images(),
                desired.network());
        session.connection.request(message, requestTimeout).whenComplete((reply, error) -> {
            boolean acknowledged = error == null && reply instanceof Ack ack && ack.generation() == generation;
            synchronized (session) {
                session.pushInFlight = false;
                if (acknowledged) {
                    session.acknowledged = desired;
                }
            }
            if (acknowledged) {
                log.debug("desired state acknowledged node={} generation={} instances={} volumes={} images={}", session.nodeId,
                        generation, desired.instances().size(), desired.volumes().size(), desired.images().size());
            } else {
                log.warn("desired state not acknowledged node={} generation={} reason=\"{}\"", session.nodeId, generation,
                        error != null ? error.getMessage() : reply);
            }
            reconciler.trigger();
        });
    }

    public boolean connected(String nodeId) {
        return sessions.containsKey(nodeId);
    }
}
