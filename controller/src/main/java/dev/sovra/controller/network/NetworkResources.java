package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What every seca.network kind shares: the resource types, lookups, SKU and CIDR reading, and the
 * effective (automatically assigned where asked) CIDRs of networks and subnets.
 */
@Singleton
public final class NetworkResources {
    public static final String PROVIDER = "seca.network/v1";
    public static final ResourceType NETWORK = new ResourceType(PROVIDER, "networks", "network", true);
    public static final ResourceType INTERNET_GATEWAY = new ResourceType(PROVIDER, "internet-gateways", "internet-gateway", true);
    public static final ResourceType PUBLIC_IP = new ResourceType(PROVIDER, "public-ips", "public-ip", true);
    public static final ResourceType NIC = new ResourceType(PROVIDER, "nics", "nic", true);
    public static final ResourceType SECURITY_GROUP = new ResourceType(PROVIDER, "security-groups", "security-group", true);
    public static final ResourceType SECURITY_GROUP_RULE =
            new ResourceType(PROVIDER, "security-group-rules", "security-group-rule", true);
    private static final ResourceType SUBNET = new ResourceType(PROVIDER, "subnets", "subnet", true);
    /** SECA calls route tables {@code routing-table} in metadata.kind. */
    private static final ResourceType ROUTE_TABLE = new ResourceType(PROVIDER, "route-tables", "routing-table", true);

    private static final Ip.Block AUTO_V4_PARENT = Ip.cidr("10.0.0.0/8").orElseThrow();
    private static final Ip.Block AUTO_V6_PARENT = Ip.cidr("fd00::/8").orElseThrow();

    final ResourceService resources;
    final ComputeCatalog catalog;
    final InstanceService instances;
    final Ipam ipam;
    private final Map<Ip.Family, Ip.Block> publicPools = new EnumMap<>(Ip.Family.class);
    private final String uplinkGateway;

    public NetworkResources(ResourceService resources, ComputeCatalog catalog, InstanceService instances, Ipam ipam,
                            @Value("${sovra.network.public-ip-pool:`203.0.113.0/24`}") String publicPool,
                            @Value("${sovra.network.public-ipv6-pool:`2001:db8:5eca::/64`}") String publicV6Pool,
                            @Value("${sovra.network.uplink-gateway:}") String gateway) {
        this.resources = resources;
        this.catalog = catalog;
        this.instances = instances;
        this.ipam = ipam;
        for (String pool : List.of(publicPool, publicV6Pool)) {
            Ip.Block block = Ip.cidr(pool).orElseThrow(() -> new IllegalStateException("sovra.network public IP pool '" + pool
                    + "' is not a CIDR"));
            publicPools.put(block.family(), block);
        }
        Ip.Block v4 = publicPools.get(Ip.Family.V4);
        if (gateway == null || gateway.isBlank()) {
            this.uplinkGateway = Ip.format(Ip.Family.V4, v4.base().add(BigInteger.ONE));
        } else {
            Ip.Block parsed = Ip.address(gateway).filter(a -> a.family() == Ip.Family.V4 && v4.contains(a.base()))
                    .orElseThrow(() -> new IllegalStateException("sovra.network.uplink-gateway '" + gateway
                            + "' is not an IPv4 address inside the public IP pool " + v4));
            this.uplinkGateway = Ip.format(Ip.Family.V4, parsed.base());
        }
    }

    /**
     * The provider uplink's next hop (IPv4): {@code sovra.network.uplink-gateway}, by default the first address of
     * the IPv4 public pool. The pool is the uplink's subnet: routers' external addresses and public IPs are on-link.
     */
    String uplinkGateway() {
        return uplinkGateway;
    }

    public static ResourceType subnets(String network) {
        return SUBNET.inNetwork(network);
    }

    public static ResourceType routeTables(String network) {
        return ROUTE_TABLE.inNetwork(network);
    }

    Optional<Ip.Block> publicPool(Ip.Family family) {
        return Optional.ofNullable(publicPools.get(family));
    }

    Optional<Resource> get(ResourceType type, String tenant, String workspace, String name) {
        return resources.get(type, tenant, workspace, name);
    }

    /** A network SKU reference: must name a SKU of the catalogue, tenant-level (no workspace part). */
    void networkSku(String field, Object reference, String tenant, boolean required) {
        Ref ref = Ref.parse(field, reference);
        if (ref == null) {
            if (required) {
                throw ApiProblem.unprocessable(field + " is required");
            }
            return;
        }
        if (ref.workspace() != null) {
            throw ApiProblem.unprocessable(field + " must not name a workspace: skus are tenant-level");
        }
        String sku = ref.target("skus", tenant, null);
        if (catalog.networkSku(sku).isEmpty()) {
            throw ApiProblem.unprocessable(field + ": no network SKU named " + sku);
        }
    }

    /**
     * Reads a SECA {@code cidr} object ({@code ipv4?}, {@code ipv6?}; an empty string counts as absent). Lengths and
     * families as the v1.7 CEL rules say; at least one family must be present.
     */
    static Map<Ip.Family, Ip.Block> cidr(String field, Object value, boolean required) {
        Map<String, Object> cidr = Specs.object(field, value, required);
        Map<Ip.Family, Ip.Block> blocks = new EnumMap<>(Ip.Family.class);
        if (cidr == null) {
            return blocks;
        }
        String v4 = Specs.string(field + ".ipv4", cidr.get("ipv4"), false, 0, 18);
        if (v4 != null && !v4.isEmpty()) {
            if (v4.length() < 9) {
                throw Specs.invalid(field + ".ipv4", "must be 9 to 18 characters, was " + v4.length());
            }
            blocks.put(Ip.Family.V4, Ip.cidr(v4).filter(b -> b.family() == Ip.Family.V4)
                    .orElseThrow(() -> Specs.invalid(field + ".ipv4", "must be a valid IPv4 CIDR block, was '" + v4 + "'")));
        }
        String v6 = Specs.string(field + ".ipv6", cidr.get("ipv6"), false, 0, 43);
        if (v6 != null && !v6.isEmpty()) {
            if (v6.length() < 4) {
                throw Specs.invalid(field + ".ipv6", "must be 4 to 43 characters, was " + v6.length());
            }
            blocks.put(Ip.Family.V6, Ip.cidr(v6).filter(b -> b.family() == Ip.Family.V6)
                    .orElseThrow(() -> Specs.invalid(field + ".ipv6", "must be a valid IPv6 CIDR block, was '" + v6 + "'")));
        }
        if (blocks.isEmpty() && required) {
            throw Specs.invalid(field, "needs ipv4, ipv6 or both");
        }
        return blocks;
    }

    /** {@code 0.0.0.0/N} and {@code ::/N} ask the server to pick the range. */
    static boolean auto(Ip.Block block) {
        return block.base().signum() == 0 && block.prefix() > 0;
    }

    static String key(String... parts) {
        return String.join("/", parts);
    }

    /** The network's main CIDR per family, with automatic ranges assigned (and recorded) on first use. */
    Map<Ip.Family, Ip.Block> networkCidr(String tenant, String workspace, String name, Map<String, Object> spec) {
        Map<Ip.Family, Ip.Block> requested = cidr("spec.cidr", spec.get("cidr"), false);
        if (requested.values().stream().noneMatch(NetworkResources::auto)) {
            return requested;
        }
        String pool = key("networks", tenant, workspace);
        List<String> chosen = ipam.assign(pool, name, owner -> get(NETWORK, tenant, workspace, owner).isPresent(),
                (taken, current) -> pick(requested, taken, current, family -> family == Ip.Family.V4 ? AUTO_V4_PARENT : AUTO_V6_PARENT,
                        List.of(), "network range"));
        return merge(requested, chosen);
    }

    /** Every CIDR of a network (main and additional), for subnet placement. */
    List<Ip.Block> networkBlocks(Resource network) {
        List<Ip.Block> blocks = new ArrayList<>(networkCidr(network.tenant(), network.workspace(), network.name(), network.spec()).values());
        List<Object> additional = Specs.list("spec.additionalCidrs", network.spec().get("additionalCidrs"), false, 0, 32);
        if (additional != null) {
            for (int i = 0; i < additional.size(); i++) {
                blocks.addAll(cidr("spec.additionalCidrs[" + i + "]", additional.get(i), false).values());
            }
        }
        return blocks;
    }

    /** The subnet's CIDR per family, with automatic ranges carved out of the network's main CIDR on first use. */
    Map<Ip.Family, Ip.Block> subnetCidr(String tenant, String workspace, String network, String name, Map<String, Object> spec) {
        Map<Ip.Family, Ip.Block> requested = cidr("spec.cidr", spec.get("cidr"), false);
        if (requested.values().stream().noneMatch(NetworkResources::auto)) {
            return requested;
        }
        Resource parent = get(NETWORK, tenant, workspace, network)
                .orElseThrow(() -> ApiProblem.unprocessable("network " + network + " does not exist"));
        Map<Ip.Family, Ip.Block> parentCidr = networkCidr(tenant, workspace, network, parent.spec());
        List<Ip.Block> fixedSiblings = new ArrayList<>();
        for (Resource sibling : resources.all(subnets(network), tenant, workspace)) {
            if (!sibling.name().equals(name)) {
                cidr("spec.cidr", sibling.spec().get("cidr"), false).values().stream().filter(b -> !auto(b)).forEach(fixedSiblings::add);
            }
        }
        String pool = key("subnets", tenant, workspace, network);
        List<String> chosen = ipam.assign(pool, name, owner -> get(subnets(network), tenant, workspace, owner).isPresent(),
                (taken, current) -> pick(requested, taken, current, family -> {
                    Ip.Block block = parentCidr.get(family);
                    if (block == null) {
                        throw ApiProblem.unprocessable("spec.cidr: network " + network + " has no " + family + " range to carve from");
                    }
                    return block;
                }, fixedSiblings, "subnet range"));
        return merge(requested, chosen);
    }

    private static List<String> pick(Map<Ip.Family, Ip.Block> requested, Set<String> taken, List<String> current,
                                     java.util.function.Function<Ip.Family, Ip.Block> parentOf, List<Ip.Block> alsoUsed, String what) {
        List<Ip.Block> used = new ArrayList<>(alsoUsed);
        taken.forEach(t -> Ip.cidr(t).ifPresent(used::add));
        List<String> chosen = new ArrayList<>();
        for (Ip.Block block : requested.values()) {
            if (!auto(block)) {
                continue;
            }
            Ip.Block parent = parentOf.apply(block.family());
            Optional<Ip.Block> kept = current == null ? Optional.empty() : current.stream().map(Ip::cidr).flatMap(Optional::stream)
                    .filter(c -> c.family() == block.family() && c.prefix() == block.prefix() && parent.contains(c)
                            && used.stream().noneMatch(c::overlaps))
                    .findFirst();
            Ip.Block picked = kept.orElseGet(() -> Ipam.firstFree(parent, block.prefix(), used, Set.of()));
            if (picked == null || block.prefix() <= parent.prefix()) {
                throw ApiProblem.unprocessable("spec.cidr: no free /" + block.prefix() + " " + what + " left in " + parent);
            }
            chosen.add(picked.toString());
            used.add(picked);
        }
        return chosen;
    }

    private static Map<Ip.Family, Ip.Block> merge(Map<Ip.Family, Ip.Block> requested, List<String> chosen) {
        Map<Ip.Family, Ip.Block> effective = new EnumMap<>(requested);
        for (String c : chosen) {
            Ip.cidr(c).ifPresent(b -> effective.put(b.family(), b));
        }
        return effective;
    }

    static Map<String, Object> cidrJson(Map<Ip.Family, Ip.Block> blocks) {
        Map<String, Object> json = new java.util.LinkedHashMap<>();
        if (blocks.containsKey(Ip.Family.V4)) {
            json.put("ipv4", blocks.get(Ip.Family.V4).toString());
        }
        if (blocks.containsKey(Ip.Family.V6)) {
            json.put("ipv6", blocks.get(Ip.Family.V6).toString());
        }
        return json;
    }
}
