package dev.sovra.controller.node;

import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The nodes the controller knows, their inventory, liveness and capacity policy. */
public final class NodeRegistry {
    private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);

    private final Repository<Node> nodes;
    private final CapacityPolicy capacityPolicy;
    private final Clock clock;
    private volatile Consumer<Node> stateListener = node -> { };

    public NodeRegistry(Repository<Node> nodes, CapacityPolicy capacityPolicy, Clock clock) {
        this.nodes = nodes;
        this.capacityPolicy = capacityPolicy;
        this.clock = clock;
    }

    /** A node registered (or re-registered after a reconnect) with fresh inventory. */
    public Node markReady(String nodeId, NodeInventory inventory) {
        while (true) {
            Instant now = clock.instant();
            Optional<Versioned<Node>> current = nodes.get(nodeId);
            CapacityPolicy.Ratios ratios = capacityPolicy.ratiosFor(inventory);
            Node node = new Node(nodeId, inventory, NodeState.READY, ratios.cpu(), ratios.memory(),
                    capacityPolicy.reservedMemoryMiB(),
                    current.map(v -> v.value().registeredAt()).orElse(now),
                    current.filter(v -> v.value().state() == NodeState.READY).map(v -> v.value().stateSince()).orElse(now),
                    current.map(v -> v.value().draining()).orElse(false));
            if (nodes.compareAndPut(nodeId, node, current.map(Versioned::revision).orElse(0L)).isPresent()) {
                log.info("node ready node={} zone={} cpus={} memoryMiB={} profile={} domainType={} allocatableVcpus={}",
                        nodeId, inventory.zone(), inventory.logicalCpus(), inventory.memoryMiB(),
                        inventory.hardwareProfile(), inventory.domainType(), node.allocatableVcpus());
                stateListener.accept(node);
                return node;
            }
        }
    }

    public void markDown(String nodeId, String reason) {
        nodes.update(nodeId, node -> node.withState(NodeState.DOWN, clock.instant())).ifPresent(v -> {
            log.warn("node down node={} reason=\"{}\"", nodeId, reason);
            stateListener.accept(v.value());
        });
    }

    /**
     * An operator drains the node (no new instances there; running ones stay) or ends the drain.
     *
     * @return the node as written, or empty if there is no such node
     */
    public Optional<Node> setDraining(String nodeId, boolean draining) {
        Optional<Node> written = nodes.update(nodeId, node -> node.withDraining(draining)).map(Versioned::value);
        written.ifPresent(node -> {
            log.info("node {} node={}", draining ? "draining" : "undrained", nodeId);
            stateListener.accept(node);
        });
        return written;
    }

    /**
     * Called after every write of a node's record (ready, down), on the writing thread: lets a placement in
     * progress stop using a node the moment it goes down. One listener; it must not block.
     */
    public void onNodeChange(Consumer<Node> listener) {
        this.stateListener = listener;
    }

    /** At controller start no agent is connected yet: every node is down until it says hello. */
    public void markAllDown(String reason) {
        for (Versioned<Node> node : nodes.list()) {
            markDown(node.id(), reason);
        }
    }

    public List<Node> list() {
        return nodes.list().stream().map(Versioned::value).toList();
    }

    public Optional<Node> get(String nodeId) {
        return nodes.get(nodeId).map(Versioned::value);
    }
}
