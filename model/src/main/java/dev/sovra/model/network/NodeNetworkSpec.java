package dev.sovra.model.network;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the tenant data plane of ONE node must look like: the segments present here, the NICs bound here,
 * the NICs of those segments on other nodes, and the security groups the NICs refer to. Plain data, checked for
 * consistency on construction; the controller computes it per node and {@code NetworkPlane.apply} converges to it.
 */
public record NodeNetworkSpec(Underlay underlay, List<Segment> segments, List<NicPort> nics,
                              List<RemoteNic> remoteNics, List<SecurityGroup> securityGroups) {

    public NodeNetworkSpec {
        Objects.requireNonNull(underlay, "underlay");
        segments = List.copyOf(segments);
        nics = List.copyOf(nics);
        remoteNics = List.copyOf(remoteNics);
        securityGroups = List.copyOf(securityGroups);
        validate(underlay, segments, nics, remoteNics, securityGroups);
    }

    /** A node with nothing on it: what {@code apply} tears everything down to. */
    public static NodeNetworkSpec empty(Underlay underlay) {
        return new NodeNetworkSpec(underlay, List.of(), List.of(), List.of(), List.of());
    }

    public Segment segment(String networkId) {
        return segments.stream().filter(s -> s.networkId().equals(networkId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no segment " + networkId));
    }

    public SecurityGroup securityGroup(String id) {
        return securityGroups.stream().filter(g -> g.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no security group " + id));
    }

    private static void validate(Underlay underlay, List<Segment> segments, List<NicPort> nics,
                                 List<RemoteNic> remoteNics, List<SecurityGroup> groups) {
        Map<String, Segment> byNetwork = new HashMap<>();
        Set<Long> vnis = new HashSet<>();
        for (Segment segment : segments) {
            if (byNetwork.put(segment.networkId(), segment) != null) {
                throw new IllegalArgumentException("segment " + segment.networkId() + " listed twice");
            }
            if (!vnis.add(segment.vni())) {
                throw new IllegalArgumentException("VNI " + segment.vni() + " used by two segments");
            }
            if (segment.remoteEndpoints().contains(underlay.localIp())) {
                throw new IllegalArgumentException("segment " + segment.networkId()
                        + " lists this node's own underlay address " + underlay.localIp() + " as remote endpoint");
            }
        }
        Set<String> groupIds = new HashSet<>();
        for (SecurityGroup group : groups) {
            if (!groupIds.add(group.id())) {
                throw new IllegalArgumentException("security group " + group.id() + " listed twice");
            }
        }
        for (SecurityGroup group : groups) {
            group.rules().stream().filter(r -> r.remoteGroupId() != null && !groupIds.contains(r.remoteGroupId()))
                    .findFirst().ifPresent(r -> {
                        throw new IllegalArgumentException("security group " + group.id()
                                + " has a rule referring to unknown group " + r.remoteGroupId());
                    });
        }
        Set<String> devices = new HashSet<>();
        Set<String> portIds = new HashSet<>();
        Map<String, Set<String>> macsPerNetwork = new HashMap<>();
        for (NicPort nic : nics) {
            Segment segment = byNetwork.get(nic.networkId());
            String what = "nic " + nic.portId();
            checkMembership(what, nic.networkId(), segment, nic.ipv4(), nic.securityGroupIds(), groupIds);
            if (!devices.add(nic.device())) {
                throw new IllegalArgumentException(what + ": device " + nic.device() + " used by two NICs");
            }
            checkUnique(what, nic.portId(), nic.mac(), nic.networkId(), portIds, macsPerNetwork);
        }
        for (RemoteNic nic : remoteNics) {
            Segment segment = byNetwork.get(nic.networkId());
            String what = "remote nic " + nic.portId();
            checkMembership(what, nic.networkId(), segment, nic.ipv4(), nic.securityGroupIds(), groupIds);
            if (!segment.remoteEndpoints().contains(nic.endpoint())) {
                throw new IllegalArgumentException(what + ": endpoint " + nic.endpoint()
                        + " is not a remote endpoint of segment " + nic.networkId());
            }
            checkUnique(what, nic.portId(), nic.mac(), nic.networkId(), portIds, macsPerNetwork);
        }
    }

    private static void checkMembership(String what, String networkId, Segment segment, List<String> addresses,
                                        List<String> securityGroupIds, Set<String> groupIds) {
        if (segment == null) {
            throw new IllegalArgumentException(what + ": no segment " + networkId + " on this node");
        }
        for (String address : addresses) {
            Subnet subnet = segment.subnetOf(address);
            if (subnet == null) {
                throw new IllegalArgumentException(what + ": address " + address + " is in no subnet of " + networkId);
            }
            if (address.equals(subnet.gateway()) || address.equals(subnet.dhcpServer())) {
                throw new IllegalArgumentException(what + ": address " + address
                        + " is the gateway or DHCP server of " + subnet.cidr());
            }
        }
        for (String group : securityGroupIds) {
            if (!groupIds.contains(group)) {
                throw new IllegalArgumentException(what + ": unknown security group " + group);
            }
        }
    }

    private static void checkUnique(String what, String portId, String mac, String networkId, Set<String> portIds,
                                    Map<String, Set<String>> macsPerNetwork) {
        if (!portIds.add(portId)) {
            throw new IllegalArgumentException(what + ": port id listed twice");
        }
        if (!macsPerNetwork.computeIfAbsent(networkId, n -> new HashSet<>()).add(mac)) {
            throw new IllegalArgumentException(what + ": MAC " + mac + " used twice in network " + networkId);
        }
    }
}
