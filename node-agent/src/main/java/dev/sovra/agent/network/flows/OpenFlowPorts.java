package dev.sovra.agent.network.flows;

import java.util.Map;

/**
 * The OpenFlow port numbers the pipeline refers to, as the bridge assigned them. A NIC, DHCP server or tunnel
 * without a number yet gets no flows (its traffic is dropped until the next apply).
 *
 * @param nics by NIC port id
 * @param dhcpServers by segment VNI: the DHCP server's port and its MAC
 * @param tunnels by remote endpoint address
 */
public record OpenFlowPorts(Map<String, Integer> nics, Map<Long, DhcpServerPort> dhcpServers,
                            Map<String, Integer> tunnels) {

    /** The port of a segment's DHCP server on this node and the MAC it answers from. */
    public record DhcpServerPort(int ofport, String mac) {
    }

    public OpenFlowPorts {
        nics = Map.copyOf(nics);
        dhcpServers = Map.copyOf(dhcpServers);
        tunnels = Map.copyOf(tunnels);
    }
}
