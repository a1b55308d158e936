package dev.sovra.model.network;

import java.util.List;
import java.util.Objects;

/**
 * A NIC of a segment that lives on another node: unicast to its MAC goes into the tunnel to {@code endpoint}, and
 * its addresses count as members of its security groups (for rules with a remote group).
 */
public record RemoteNic(String portId, String mac, List<String> ipv4, String networkId, String endpoint,
                        List<String> securityGroupIds) {
    public RemoteNic {
        Objects.requireNonNull(portId, "portId");
        mac = Mac.unicast(mac, "remote nic " + portId);
        ipv4 = ipv4.stream().map(Ipv4::canonical).distinct().toList();
        Objects.requireNonNull(networkId, "networkId");
        endpoint = Ipv4.canonical(endpoint);
        securityGroupIds = List.copyOf(securityGroupIds);
    }
}
