package dev.sovra.controller.api;

import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.model.NodeState;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;

/** Liveness of the controller, with a node count so an operator sees at a glance whether agents are in. */
@Controller("/health")
public final class HealthController {
    private final NodeRegistry nodes;

    public HealthController(NodeRegistry nodes) {
        this.nodes = nodes;
    }

    @Serdeable
    public record Health(String status, long nodesReady, long nodesDown) {}

    @Get
    public Health health() {
        var all = nodes.list();
        long ready = all.stream().filter(n -> n.state() == NodeState.READY).count();
        return new Health("up", ready, all.size() - ready);
    }
}
