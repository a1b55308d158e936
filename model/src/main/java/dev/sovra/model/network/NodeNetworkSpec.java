package dev.sovra.model.network;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the tenant data plane of ONE node must look like: the segments present here, the NICs bound here,
 * the NICs of those segments on other nodes, the security groups the NICs refer to, and the routers of the segments
 * (at most one per segment; a segment without one has no gateway on this node). Plain data, checked for
 * consistency on construction; the controller computes it per node and {@code NetworkPlane.apply} converges to it.
 */
public record NodeNetworkSpec(Underlay underlay, List<Segment> segments, List<NicPort> nics,
                              List<RemoteNic> remoteNics, List<SecurityGroup> securityGroups, List<Router> routers) {

    public NodeNetworkSpec {
        Objects.requireNonNull(underlay, "underlay");
        segments = List.copyOf(segments);
        nics = List.copyOf(nics);
        remoteNics = List.copyOf(remoteNics);
        securityGroups = List.copyOf(securityGroups);
        routers = routers == null ? List.of() : List.copyOf(routers); // null: from a sender without routers
        validate(underlay, segments, nics, remoteNics, securityGroups);
        validateRouters(segments, nics, routers);
    }

    /** A node without routers. */
    public NodeNetworkSpec(Underlay underlay, List<Segment> segments, List<NicPort> nics, List<RemoteNic> remoteNics,
                           List<SecurityGroup> securityGroups) {
        this(underlay, segments, nics, remoteNics, securityGroups, List.of());
    }

    /** A node with nothing on it: what {@code apply} tears everything down to. */
    public static NodeNetworkSpec empty(Underlay underlay) {
        return new NodeNetworkSpec(underlay, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** The same spec with {@code replacement} as its routers. */
    public NodeNetworkSpec withRouters(List<Router> replacement) {
        return new NodeNetworkSpec(underlay, segments, nics, remoteNics, securityGroups, replacement);
    }

    /** The router of the segment, if it has one here. */
    public Optional<Router> router(String networkId) {
        return routers.stream().filter(r -> r.networkId().equals(networkId)).findFirst();
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

    /**
     * A router needs its segment here and a gateway on each subnet it routes from; a public IP maps to an address of
     * a NIC bound here in that segment; public and external addresses are used once on the node.
     */
    private static void validateRouters(List<Segment> segments, List<NicPort> nics, List<Router> routers) {
        Set<String> routed = new HashSet<>();
        Set<String> uplinkAddresses = new HashSet<>();
        for (Router router : routers) {
            String what = "router " + router.networkId();
            Segment segment = segments.stream().filter(s -> s.networkId().equals(router.networkId())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(what + ": no segment " + router.networkId()
                            + " on this node"));
            if (!routed.add(router.networkId())) {
                throw new IllegalArgumentException(what + ": listed twice");
            }
            if (segment.subnets().stream().noneMatch(s -> s.gateway() != null)) {
                throw new IllegalArgumentException(what + ": no subnet of the segment has a gateway address");
            }
            for (Router.InternetRoute route : router.internetRoutes()) {
                if (segment.subnets().stream().noneMatch(s -> s.cidr().equals(route.sourceCidr()) && s.gateway() != null)) {
                    throw new IllegalArgumentException(what + ": internet route from " + route.sourceCidr()
                            + ", which is no subnet with a gateway of the segment");
                }
            }
            for (Router.NextHopRoute route : router.nextHopRoutes()) {
                if (segment.subnets().stream().noneMatch(s -> s.cidr().equals(route.sourceCidr()) && s.gateway() != null)) {
                    throw new IllegalArgumentException(what + ": route from " + route.sourceCidr()
                            + ", which is no subnet with a gateway of the segment");
                }
                Subnet hop = segment.subnetOf(route.nextHop());
                if (hop == null || route.nextHop().equals(hop.gateway()) || route.nextHop().equals(hop.dhcpServer())) {
                    throw new IllegalArgumentException(what + ": next hop " + route.nextHop()
                            + " is no guest address of the segment's subnets");
                }
            }
            if (router.external() != null && !uplinkAddresses.add(router.external().address())) {
                throw new IllegalArgumentException(what + ": external address " + router.external().address()
                        + " used by two routers");
            }
            for (Router.PublicIpMapping mapping : router.publicIps()) {
                boolean local = nics.stream().anyMatch(n -> n.networkId().equals(router.networkId())
                        && n.ipv4().contains(mapping.privateAddress()));
                if (!local) {
                    throw new IllegalArgumentException(what + ": public IP " + mapping.publicAddress() + " maps to "
                            + mapping.privateAddress() + ", which is no address of a NIC bound here in the segment");
                }
                if (!uplinkAddresses.add(mapping.publicAddress())) {
                    throw new IllegalArgumentException(what + ": public IP " + mapping.publicAddress()
                            + " used twice on this node");
                }
            }
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
