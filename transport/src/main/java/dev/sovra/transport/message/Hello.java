package dev.sovra.transport.message;

import dev.sovra.model.InstanceObservation;
import dev.sovra.model.NodeInventory;
import java.util.List;

/**
 * Agent to controller request, sent on every (re)connect: who the node is, what it offers and
 * everything it runs (full resync). Answered with {@link Welcome}.
 */
public record Hello(String nodeId, NodeInventory inventory, List<InstanceObservation> observed) implements Message {
    public Hello {
        observed = observed == null ? List.of() : List.copyOf(observed);
    }
}
