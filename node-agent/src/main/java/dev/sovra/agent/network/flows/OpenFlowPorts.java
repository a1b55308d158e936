package dev.sovra.agent.network.flows;

import java.util.Map;

/**
 * The OpenFlow port numbers the pipeline refers to, as the bridge assigned them. A NIC, DHCP server or tunnel
 * without a number yet gets no flows (its traffic is dropped until the next apply).
 *
 * @param nics by NIC port id
 * @param dhcpServers by segment VNI: the DHCP server's port and its MAC
 * @param tunnels by remote endpoint address
 * @param routers by segment VNI: the port of the segment's router on this node and its MAC
 */
public record OpenFlowPorts(Map<String, Integer> nics, Map<Long, DhcpServerPort> dhcpServers,
                            Map<String, Integer> tunnels, Map<Long, RouterPort> routers) {

    /** The port of a segment's router on this node and its MAC (the gateway MAC of the segment's subnets). */
    public record RouterPort(int ofport, String mac) {
    }

    /** Without routers. */
    public OpenFlowPorts(Map<String, Integer> nics, Map<Long, DhcpServerPort> dhcpServers, Map<String, Integer> tunnels) {
        this(nics, dhcpServers, tunnels, Map.of());
    }

    /** The port of a segment's DHCP server on this node and the MAC it answers from. */
    public record DhcpServerPort(int ofport, String mac) {
    }

    public OpenFlowPorts {
        nics = Map.copyOf(nics);
        dhcpServers = Map.copyOf(dhcpServers);
        tunnels = Map.copyOf(tunnels);
        routers = Map.copyOf(routers);
    }
}
