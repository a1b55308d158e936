package dev.sovra.controller.reconcile;

import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.Instance;
import dev.sovra.model.Node;
import dev.sovra.model.NodeState;
import dev.sovra.model.ResourceState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to instances whose node stops answering. A node is marked down when its connection drops or its
 * heartbeats stop (the transport's heartbeat timeout); once it has been down for {@code grace}, each instance placed
 * there is reported {@code error} with reason {@code NodeUnreachable}, saying since when and why it stays. No instance
 * is moved: one with local disks cannot be, and one whose disks are all on Ceph could be started elsewhere only if
 * the old node were fenced first (powered off, or cut off from Ceph), which the appliance cannot guarantee yet;
 * running it twice would corrupt its disks. When the node returns, its agent's full report sets the status again.
 * Deleting instances are left alone (they go once the node reports their domain gone).
 */
final class NodeLossReporter {
    static final String REASON = "NodeUnreachable";
    private static final Logger log = LoggerFactory.getLogger(NodeLossReporter.class);

    private final Repository<Instance> instances;
    private final NodeRegistry nodes;
    private final Clock clock;
    private final Duration grace;

    NodeLossReporter(Repository<Instance> instances, NodeRegistry nodes, Clock clock, Duration grace) {
        this.instances = instances;
        this.nodes = nodes;
        this.clock = clock;
        this.grace = grace;
    }

    /**
     * Marks the instances of nodes down for longer than the grace period; a failed CAS write waits for the next pass.
     * The nodes are read after {@code all}: a node that says Hello is marked ready before its agent's report is applied,
     * so if it still reads down here, the instance versions in hand predate that report and a write over it fails.
     *
     * @return when the next report falls due without any write: the earliest moment a node that is down now but still
     *     within its grace period passes it ({@link Instant#MAX} if none)
     */
    Instant report(List<Versioned<Instance>> all) {
        Instant now = clock.instant();
        Instant nextDue = Instant.MAX;
        Map<String, Node> lost = new HashMap<>();
        for (Node node : nodes.list()) {
            if (node.state() != NodeState.DOWN || node.stateSince() == null) {
                continue;
            }
            Instant due = node.stateSince().plus(grace);
            if (due.isAfter(now)) {
                nextDue = due.isBefore(nextDue) ? due : nextDue;
            } else {
                lost.put(node.id(), node);
            }
        }
        if (lost.isEmpty()) {
            return nextDue;
        }
        for (Versioned<Instance> entry : all) {
            Instance instance = entry.value();
            Node node = instance.nodeId() == null ? null : lost.get(instance.nodeId());
            if (node == null || instance.metadata().deleting()) {
                continue;
            }
            Instance next = instance.withStatus(
                    instance.status().transition(ResourceState.ERROR, now, REASON, message(instance, node)));
            if (!next.equals(instance) && instances.compareAndPut(entry.id(), next, entry.revision()).isPresent()) {
                log.warn("instance on unreachable node ref={} uid={} node={} downSince={}", instance.path(), instance.uid(),
                        node.id(), node.stateSince());
            }
        }
        return nextDue;
    }

    private static String message(Instance instance, Node node) {
        boolean remoteOnly = !instance.runtime().disks().isEmpty()
                && instance.runtime().disks().stream().noneMatch(d -> StorageReconciler.LOCAL.equals(d.backend()));
        return "node " + node.id() + " has not answered since " + node.stateSince() + "; the instance stays on it ("
                + (remoteOnly ? "its disks are remote, but it may still run there and the node cannot be fenced"
                        : "its local disks are there")
                + ") and its status returns when the node does";
    }
}
