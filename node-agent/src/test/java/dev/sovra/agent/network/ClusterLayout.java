package dev.sovra.agent.network;

import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A whole cluster's tenant networking as a controller would hold it (networks, NICs placed on nodes, security
 * groups), and the per-node spec derived from it: what the controller would send each agent.
 */
record ClusterLayout(Map<String, String> nodeEndpoints, TunnelType tunnelType, List<Network> networks, List<Nic> nics,
                     List<SecurityGroup> securityGroups) {

    record Network(String id, long vni, List<Subnet> subnets) {
    }

    record Nic(String portId, String node, String device, String mac, List<String> ipv4, String networkId,
               List<String> securityGroupIds) {
        Nic withSecurityGroups(List<String> groups) {
            return new Nic(portId, node, device, mac, ipv4, networkId, groups);
        }
    }

    ClusterLayout {
        nodeEndpoints = Map.copyOf(nodeEndpoints);
        networks = List.copyOf(networks);
        nics = List.copyOf(nics);
        securityGroups = List.copyOf(securityGroups);
    }

    ClusterLayout withNics(List<Nic> replacement) {
        return new ClusterLayout(nodeEndpoints, tunnelType, networks, replacement, securityGroups);
    }

    ClusterLayout withSecurityGroups(List<SecurityGroup> replacement) {
        return new ClusterLayout(nodeEndpoints, tunnelType, networks, nics, replacement);
    }

    ClusterLayout withTunnelType(TunnelType replacement) {
        return new ClusterLayout(nodeEndpoints, replacement, networks, nics, securityGroups);
    }

    /** The spec of {@code node}: segments with a NIC here, their NICs elsewhere, tunnels to the nodes hosting them. */
    NodeNetworkSpec specFor(String node) {
        String local = Objects.requireNonNull(nodeEndpoints.get(node), node);
        List<Segment> segments = new ArrayList<>();
        List<NicPort> localNics = new ArrayList<>();
        List<RemoteNic> remoteNics = new ArrayList<>();
        for (Network network : networks) {
            List<Nic> members = nics.stream().filter(n -> n.networkId().equals(network.id())).toList();
            if (members.stream().noneMatch(n -> n.node().equals(node))) {
                continue;
            }
            List<String> remotes = members.stream().map(Nic::node).filter(n -> !n.equals(node)).distinct()
                    .map(nodeEndpoints::get).toList();
            segments.add(new Segment(network.id(), network.vni(), network.subnets(), remotes));
            for (Nic nic : members) {
                if (nic.node().equals(node)) {
                    localNics.add(new NicPort(nic.portId(), nic.device(), nic.mac(), nic.ipv4(), nic.networkId(),
                            nic.securityGroupIds()));
                } else {
                    remoteNics.add(new RemoteNic(nic.portId(), nic.mac(), nic.ipv4(), nic.networkId(),
                            nodeEndpoints.get(nic.node()), nic.securityGroupIds()));
                }
            }
        }
        return new NodeNetworkSpec(new Underlay(local, tunnelType), segments, localNics, remoteNics,
                securityGroups);
    }
}
