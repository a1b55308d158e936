package dev.sovra.model.network;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The router of one network on this node: it answers on every subnet's gateway address, routes between the
 * network's subnets and, with an external leg, between the network and the provider uplink. Every node hosting
 * NICs of the network runs its own instance (distributed router), so guest traffic to the gateway never crosses a
 * tunnel.
 *
 * @param networkId the segment it routes for
 * @param external its leg on the provider uplink; null: the network has no way out (nor in)
 * @param internetRoutes what may leave through the internet gateway (with SNAT to the external address, or to the
 *     NIC's public address); nothing else leaves
 * @param nextHopRoutes routes of a subnet's route table to an address inside the network (a NIC or instance acting
 *     as a router, e.g. a NAT instance)
 * @param publicIps 1:1 NAT between a public address and the address of a NIC bound on this node
 */
public record Router(String networkId, ExternalLeg external, List<InternetRoute> internetRoutes,
                     List<NextHopRoute> nextHopRoutes, List<PublicIpMapping> publicIps) {

    public Router {
        Objects.requireNonNull(networkId, "networkId");
        internetRoutes = List.copyOf(internetRoutes);
        nextHopRoutes = List.copyOf(nextHopRoutes);
        publicIps = List.copyOf(publicIps);
        Set<String> routed = new HashSet<>();
        for (NextHopRoute route : nextHopRoutes) {
            if (!routed.add(route.sourceCidr() + " " + route.destinationCidr())) {
                throw new IllegalArgumentException("router " + networkId + ": two next hops from " + route.sourceCidr()
                        + " to " + route.destinationCidr());
            }
        }
        if (external == null && (!internetRoutes.isEmpty() || !publicIps.isEmpty())) {
            throw new IllegalArgumentException("router " + networkId
                    + ": internet routes and public IPs need an external leg");
        }
        Set<String> publics = new HashSet<>();
        Set<String> privates = new HashSet<>();
        for (PublicIpMapping mapping : publicIps) {
            if (!publics.add(mapping.publicAddress()) || mapping.publicAddress().equals(external.address())) {
                throw new IllegalArgumentException("router " + networkId + ": public address "
                        + mapping.publicAddress() + " used twice");
            }
            if (!privates.add(mapping.privateAddress())) {
                throw new IllegalArgumentException("router " + networkId + ": private address "
                        + mapping.privateAddress() + " has two public addresses");
            }
        }
    }

    /** A router that only routes between the network's subnets. */
    public static Router internal(String networkId) {
        return new Router(networkId, null, List.of(), List.of(), List.of());
    }

    /** The same router with {@code replacement} as its next-hop routes. */
    public Router withNextHopRoutes(List<NextHopRoute> replacement) {
        return new Router(networkId, external, internetRoutes, replacement, publicIps);
    }

    /**
     * The router's address on the provider uplink.
     *
     * @param address its own address there (the SNAT source of guests without a public IP)
     * @param cidr the uplink's subnet (of {@code address} and {@code gateway})
     * @param gateway the uplink's next hop to everything outside
     */
    public record ExternalLeg(String address, String cidr, String gateway) {
        public ExternalLeg {
            Cidr parsed = Cidr.parse(cidr);
            cidr = parsed.toString();
            address = Ipv4.canonical(address);
            gateway = Ipv4.canonical(gateway);
            if (!parsed.contains(address) || !parsed.contains(gateway)) {
                throw new IllegalArgumentException("external leg: " + address + " and gateway " + gateway
                        + " must lie in " + cidr);
            }
            if (address.equals(gateway)) {
                throw new IllegalArgumentException("external leg: address and gateway are both " + address);
            }
        }

        public int prefixLength() {
            return Cidr.parse(cidr).prefixLength();
        }
    }

    /** Traffic from subnet {@code sourceCidr} to {@code destinationCidr} may leave through the internet gateway. */
    public record InternetRoute(String sourceCidr, String destinationCidr) {
        public InternetRoute {
            sourceCidr = Cidr.parse(sourceCidr).toString();
            destinationCidr = Cidr.parse(destinationCidr).toString();
        }
    }

    /** Traffic from subnet {@code sourceCidr} to {@code destinationCidr} goes to {@code nextHop}, inside the network. */
    public record NextHopRoute(String sourceCidr, String destinationCidr, String nextHop) {
        public NextHopRoute {
            sourceCidr = Cidr.parse(sourceCidr).toString();
            destinationCidr = Cidr.parse(destinationCidr).toString();
            nextHop = Ipv4.canonical(nextHop);
        }
    }

    /** {@code publicAddress} on the uplink is {@code privateAddress} (a NIC's) inside, both ways. */
    public record PublicIpMapping(String publicAddress, String privateAddress) {
        public PublicIpMapping {
            publicAddress = Ipv4.canonical(publicAddress);
            privateAddress = Ipv4.canonical(privateAddress);
        }
    }
}
