package dev.sovra.agent.link;

import dev.sovra.agent.reconcile.DomainReconciler;
import dev.sovra.agent.reconcile.ObservationSink;
import dev.sovra.model.NodeDesired;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.network.SegmentObservation;
import dev.sovra.model.NodeInventory;
import dev.sovra.transport.Connection;
import dev.sovra.transport.MessageHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of its controller connection. On every (re)connect it says Hello with its
 * inventory and everything it runs (full resync); the controller answers with the node's desired
 * set, which is stored durably before it is acknowledged.
 */
public final class ControllerLink implements MessageHandler, ObservationSink {
    private static final Logger log = LoggerFactory.getLogger(ControllerLink.class);

    private final String nodeId;
    private final Supplier<NodeInventory> inventory;
    private final Duration requestTimeout;
    private DomainReconciler reconciler;
    private volatile Connection connection;

    public ControllerLink(String nodeId, Supplier<NodeInventory> inventory, Duration requestTimeout) {
        this.nodeId = nodeId;
        this.inventory = inventory;
        this.requestTimeout = requestTimeout;
    }

    /** The reconciler reports through this link, and this link feeds the reconciler: attach before connecting. */
    public void attach(DomainReconciler domainReconciler) {
        this.reconciler = domainReconciler;
    }

    @Override
    public void onConnected(Connection c) {
        List<InstanceObservation> running = reconciler.observeAll();
        log.info("connected to controller remote={} reporting={}", c.remoteAddress(), running.size());
        c.request(new Hello(nodeId, inventory.get(), running), requestTimeout).whenComplete((reply, error) -> {
            if (error != null || reply instanceof ErrorReply) {
                log.warn("hello refused remote={} reason=\"{}\"", c.remoteAddress(), error != null ? error.getMessage() : reply);
                c.close("hello refused");
                return;
            }
            connection = c;
            reconciler.resendStorage();
        });
    }

    @Override
    public void onMessage(Connection c, Message message) {
        log.debug("ignoring one-way message type={}", message.getClass().getSimpleName());
    }

    @Override
    public CompletableFuture<? extends Message> onRequest(Connection c, Message request) {
        if (request instanceof DesiredState desired) {
            reconciler.setDesired(new NodeDesired(desired.instances(), desired.volumes(), desired.images(), desired.network()));
            log.info("desired state received generation={} instances={} volumes={} images={}", desired.generation(),
                    desired.instances().size(), desired.volumes().size(), desired.images().size());
            return CompletableFuture.completedFuture(new Ack(desired.generation()));
        }
        return CompletableFuture.completedFuture(new ErrorReply("unsupported",
                "agent does not answer " + request.getClass().getSimpleName()));
    }

    @Override
    public void onDisconnected(Connection c, String reason) {
        if (connection == c) {
            connection = null;
        }
        log.warn("disconnected from controller remote={} reason=\"{}\"", c.remoteAddress(), reason);
    }

    @Override
    public void report(List<InstanceObservation> observations, boolean full) {
        Connection c = connection;
        if (c != null && c.isOpen()) {
            c.send(ObservedState.instances(observations, full));
        }
        // Not connected: nothing is lost, the next Hello carries a full report.
    }

    @Override
    public void reportStorage(List<StorageObservation> volumes, List<StorageObservation> images) {
        Connection c = connection;
        if (c != null && c.isOpen()) {
            c.send(new ObservedState(List.of(), volumes, images, false));
        }
        // Not connected: the reconciler reports everything again once the next Hello is accepted.
    }

    @Override
    public void reportNetwork(List<SegmentObservation> segments) {
        Connection c = connection;
        if (c != null && c.isOpen()) {
            c.send(ObservedState.network(segments));
        }
        // Not connected: reported again once the next Hello is accepted (with the storage resend).
    }
}
