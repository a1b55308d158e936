package dev.sovra.model.network;

import java.util.Objects;

/**
 * One allow rule of a security group (rules only allow; what no rule allows is dropped, replies of allowed
 * connections pass by connection tracking).
 *
 * @param direction ingress (remote = source) or egress (remote = destination)
 * @param protocol any, icmp, tcp or udp
 * @param ports destination ports for tcp/udp (null: all); must be null for other protocols
 * @param remoteCidr the remote addresses (null and no remote group: 0.0.0.0/0)
 * @param remoteGroupId instead of a CIDR: the addresses of all NICs in that security group
 */
public record SecurityRule(Direction direction, Protocol protocol, PortRange ports, String remoteCidr,
                           String remoteGroupId) {
    public SecurityRule {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(protocol, "protocol");
        if (ports != null && !protocol.hasPorts()) {
            throw new IllegalArgumentException("a port range needs protocol tcp or udp, was " + protocol);
        }
        if (remoteCidr != null && remoteGroupId != null) {
            throw new IllegalArgumentException("a rule has a remote CIDR or a remote group, not both");
        }
        remoteCidr = remoteCidr == null ? null : Cidr.parse(remoteCidr).toString();
    }

    public static SecurityRule ingress(Protocol protocol, PortRange ports, String remoteCidr) {
        return new SecurityRule(Direction.INGRESS, protocol, ports, remoteCidr, null);
    }

    public static SecurityRule ingressFromGroup(Protocol protocol, PortRange ports, String groupId) {
        return new SecurityRule(Direction.INGRESS, protocol, ports, null, groupId);
    }

    public static SecurityRule egress(Protocol protocol, PortRange ports, String remoteCidr) {
        return new SecurityRule(Direction.EGRESS, protocol, ports, remoteCidr, null);
    }

    /** The remote as a CIDR when the rule has no remote group ({@code 0.0.0.0/0} if none was given). */
    public Cidr remote() {
        return remoteCidr == null ? Cidr.ANY : Cidr.parse(remoteCidr);
    }
}
