package dev.sovra.model.network;

import java.util.List;
import java.util.Objects;

/**
 * A NIC bound on this node: the instance's tap device joins the integration bridge and may only send from its
 * own MAC and addresses.
 *
 * @param portId the NIC's id (OVS {@code external_ids:iface-id})
 * @param device the Linux device name of the tap (as the hypervisor created it; at most 15 characters)
 * @param mac the NIC's MAC
 * @param ipv4 its IPv4 addresses; each must lie in a subnet of its segment
 * @param networkId the segment it joins
 * @param securityGroupIds the security groups whose rules apply (none: nothing is allowed in or out)
 */
public record NicPort(String portId, String device, String mac, List<String> ipv4, String networkId,
                      List<String> securityGroupIds) {
    public NicPort {
        Objects.requireNonNull(portId, "portId");
        if (device == null || device.isEmpty() || device.length() > 15 || device.contains("/")) {
            throw new IllegalArgumentException("nic " + portId + ": device must be a Linux device name (1-15 chars), was "
                    + device);
        }
        mac = Mac.unicast(mac, "nic " + portId);
        ipv4 = ipv4.stream().map(Ipv4::canonical).distinct().toList();
        Objects.requireNonNull(networkId, "networkId");
        securityGroupIds = List.copyOf(securityGroupIds);
    }
}
