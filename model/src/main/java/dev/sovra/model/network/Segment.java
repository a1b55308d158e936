package dev.sovra.model.network;

import java.util.List;
import java.util.Objects;

/**
 * One tenant network as present on this node: an isolated L2 domain, carried between nodes in tunnels under its
 * key.
 *
 * @param networkId the SECA network's id (only used for names, logs and external ids)
 * @param vni the tunnel key (VXLAN VNI / Geneve VNI), 1-16777215, unique per segment
 * @param subnets its IPv4 subnets
 * @param remoteEndpoints underlay addresses of the other nodes that host NICs of this segment: broadcast goes to
 *     them, and traffic from them under this key is accepted
 */
public record Segment(String networkId, long vni, List<Subnet> subnets, List<String> remoteEndpoints) {
    public static final long MAX_VNI = (1L << 24) - 1;

    public Segment {
        Objects.requireNonNull(networkId, "networkId");
        if (vni < 1 || vni > MAX_VNI) {
            throw new IllegalArgumentException("segment " + networkId + ": VNI must be 1-" + MAX_VNI + ", was " + vni);
        }
        subnets = List.copyOf(subnets);
        for (int i = 0; i < subnets.size(); i++) {
            for (int j = i + 1; j < subnets.size(); j++) {
                if (subnets.get(i).parsedCidr().overlaps(subnets.get(j).parsedCidr())) {
                    throw new IllegalArgumentException("segment " + networkId + ": subnets " + subnets.get(i).cidr()
                            + " and " + subnets.get(j).cidr() + " overlap");
                }
            }
        }
        remoteEndpoints = remoteEndpoints.stream().map(Ipv4::canonical).distinct().sorted().toList();
    }

    /** The subnet containing {@code address}, or null. */
    public Subnet subnetOf(String address) {
        int value = Ipv4.parse(address);
        return subnets.stream().filter(s -> s.parsedCidr().contains(value)).findFirst().orElse(null);
    }

    /** Whether any subnet has DHCP. */
    public boolean dhcpEnabled() {
        return subnets.stream().anyMatch(Subnet::dhcpEnabled);
    }
}
