package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Public IPs: {@code version} (required, IPv4 or IPv6) and {@code address} (optional, at most 39 characters, an
 * address of that version: bring-your-own, kept as given, even if another public IP holds it too, as the
 * conformance queries create two with the same address). Without an address the next free one of the configured
 * pool ({@code sovra.network.public-ip-pool}, {@code public-ipv6-pool}) is allocated and reported in
 * {@code status.ipAddress}; it stays with the public IP across updates. The IPv4 pool also gives each network's
 * router one uplink address per node (its SNAT source), and never hands out the uplink's gateway.
 */
@Singleton
public final class PublicIpRules {
    private static final Set<String> VERSIONS = Set.of("IPv4", "IPv6");
    /** Pool owners that are router uplink addresses: {@code router:<tenant>/<workspace>/<network>@<node>}. */
    private static final String ROUTER_OWNER = "router:";

    private final NetworkResources net;

    public PublicIpRules(NetworkResources net) {
        this.net = net;
    }

    static String pool(Ip.Family family) {
        return NetworkResources.key("public-ips", family == Ip.Family.V4 ? "ipv4" : "ipv6");
    }

    public KindRules rules(String tenant, String workspace, String name) {
        return new KindRules() {
            private String previousPool;

            @Override
            public void validate(String t, String w, ResourceRequest request, Resource existing) {
                Map<String, Object> spec = request.spec();
                Ip.Family family = family(spec);
                String address = Specs.string("spec.address", spec.get("address"), false, 0, 39);
                if (address != null && !address.isEmpty()) {
                    Ip.Block parsed = Ip.address(address)
                            .orElseThrow(() -> Specs.invalid("spec.address", "must be a valid IP address, was '" + address + "'"));
                    if (parsed.family() != family) {
                        throw Specs.invalid("spec.address", address + " is not an " + spec.get("version") + " address");
                    }
                }
                previousPool = existing == null ? null : pool(family(existing.spec()));
                allocate(tenant, workspace, name, spec);
            }

            @Override
            public void written(Resource publicIp) {
                String now = pool(family(publicIp.spec()));
                if (previousPool != null && !previousPool.equals(now)) {
                    net.ipam.release(previousPool, owner(tenant, workspace, name));
                }
            }

            @Override
            public void deleted(Resource publicIp) {
                net.ipam.release(pool(family(publicIp.spec())), owner(tenant, workspace, name));
            }
        };
    }

    private static Ip.Family family(Map<String, Object> spec) {
        String version = Specs.oneOf("spec.version", spec.get("version"), true, VERSIONS);
        return version.equals("IPv4") ? Ip.Family.V4 : Ip.Family.V6;
    }

    private static String owner(String tenant, String workspace, String name) {
        return tenant + "/" + workspace + "/" + name;
    }

    /** The address this public IP holds: the one given, or one allocated from the pool (recorded, CAS-safe). */
    String allocate(String tenant, String workspace, String name, Map<String, Object> spec) {
        Ip.Family family = family(spec);
        Object given = spec.get("address");
        String fixed = given instanceof String s && !s.isEmpty() ? s : null;
        Ip.Block poolBlock = fixed != null ? null : net.publicPool(family)
                .orElseThrow(() -> ApiProblem.unprocessable("spec.address: no " + spec.get("version") + " pool is configured; give an address"));
        List<String> held = net.ipam.assign(pool(family), owner(tenant, workspace, name), this::alive, (taken, current) -> {
            if (fixed != null) {
                return List.of(fixed);
            }
            if (current != null && current.size() == 1 && !taken.contains(current.get(0))
                    && Ip.address(current.get(0)).filter(a -> poolBlock.contains(a.base()) && a.family() == family).isPresent()) {
                return current;
            }
            Set<BigInteger> reserved = reserved(poolBlock);
            Ip.Block free = Ipam.firstFree(poolBlock, family.bits, taken.stream().map(Ip::address)
                    .flatMap(Optional::stream).toList(), reserved);
            if (free == null) {
                throw ApiProblem.conflict("spec.address: the public IP pool " + poolBlock + " is exhausted");
            }
            return List.of(Ip.format(family, free.base()));
        });
        return held.isEmpty() ? null : held.get(0);
    }

    /** Whether the owner of a pool entry still exists: a public IP, or a network that has routers (their uplink addresses). */
    boolean alive(String owner) {
        if (owner.startsWith(ROUTER_OWNER)) {
            String[] parts = owner.substring(ROUTER_OWNER.length(), owner.lastIndexOf('@')).split("/", 3);
            return parts.length == 3 && net.get(NetworkResources.NETWORK, parts[0], parts[1], parts[2]).isPresent();
        }
        String[] parts = owner.split("/", 3);
        return parts.length == 3 && net.get(NetworkResources.PUBLIC_IP, parts[0], parts[1], parts[2]).isPresent();
    }

    /** Never handed out: the pool's network and (IPv4) broadcast address, and the uplink's gateway. */
    private Set<BigInteger> reserved(Ip.Block poolBlock) {
        Set<BigInteger> reserved = new HashSet<>();
        reserved.add(poolBlock.base());
        if (poolBlock.family() == Ip.Family.V4) {
            reserved.add(poolBlock.last());
            reserved.add(Ip.address(net.uplinkGateway()).orElseThrow().base());
        }
        return reserved;
    }

    /**
     * The uplink address of a network's router on one node, from the IPv4 pool (the same pool as public IPs, so
     * the two never collide); kept while the network exists. Empty when the pool is exhausted.
     */
    Optional<String> routerAddress(String tenant, String workspace, String network, String nodeId) {
        Ip.Block poolBlock = net.publicPool(Ip.Family.V4).orElseThrow();
        String owner = ROUTER_OWNER + tenant + "/" + workspace + "/" + network + "@" + nodeId;
        try {
            List<String> held = net.ipam.assign(pool(Ip.Family.V4), owner, this::alive, (taken, current) -> {
                if (current != null && current.size() == 1 && !taken.contains(current.get(0))) {
                    return current;
                }
                Ip.Block free = Ipam.firstFree(poolBlock, Ip.Family.V4.bits, taken.stream().map(Ip::address)
                        .flatMap(Optional::stream).toList(), reserved(poolBlock));
                if (free == null) {
                    throw ApiProblem.conflict("the public IP pool " + poolBlock + " is exhausted");
                }
                return List.of(Ip.format(Ip.Family.V4, free.base()));
            });
            return Optional.of(held.get(0));
        } catch (ApiProblem exhausted) {
            return Optional.empty();
        }
    }

    /** Status: {@code ipAddress} and, when a NIC of the workspace names this public IP, {@code attachedTo}. */
    public Map<String, Object> status(Resource publicIp) {
        Map<String, Object> status = new LinkedHashMap<>();
        String address;
        try {
            address = allocate(publicIp.tenant(), publicIp.workspace(), publicIp.name(), publicIp.spec());
        } catch (ApiProblem exhausted) {
            address = null;
        }
        if (address != null) {
            status.put("ipAddress", address);
        }
        for (Resource nic : net.resources.all(NetworkResources.NIC, publicIp.tenant(), publicIp.workspace())) {
            if (NicRules.publicIpNames(nic).contains(publicIp.name())) {
                status.put("attachedTo", Map.of("resource", "nics/" + nic.name()));
                break;
            }
        }
        return status;
    }
}
