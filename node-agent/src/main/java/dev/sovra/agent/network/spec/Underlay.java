package dev.sovra.agent.network.spec;

import java.util.Objects;

/**
 * The node's side of the overlay: its tunnel endpoint address (on the provider network between hypervisors) and
 * the encapsulation all nodes use.
 */
public record Underlay(String localIp, TunnelType tunnelType) {
    public Underlay {
        localIp = Ipv4.canonical(localIp);
        Objects.requireNonNull(tunnelType, "tunnelType");
    }
}
