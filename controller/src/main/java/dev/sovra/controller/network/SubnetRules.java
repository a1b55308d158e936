package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Subnets (under a network): {@code cidr} (required, inside the network's CIDRs with a longer prefix,
 * immutable), {@code zone} (required, a zone of this region), {@code routeTableRef} (required in v1.7,
 * must exist in the same network), {@code skuRef} (optional, a catalogue SKU).
 */
@Singleton
public final class SubnetRules {
    private final NetworkResources net;

    public SubnetRules(NetworkResources net) {
        this.net = net;
    }

    /** Allows everything; used when a network removes its leftover subnets. */
    static final class NoRules implements KindRules {
        @Override
        public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {}
    }

    public KindRules rules(String tenant, String workspace, String network, String name) {
        return new KindRules() {
            @Override
            public void validate(String t, String w, ResourceRequest request, Resource existing) {
                Map<String, Object> spec = request.spec();
                Resource parent = net.get(NetworkResources.NETWORK, tenant, workspace, network)
                        .orElseThrow(() -> ApiProblem.unprocessable("network " + network + " does not exist in workspace " + workspace));
                Map<Ip.Family, Ip.Block> cidr = NetworkResources.cidr("spec.cidr", spec.get("cidr"), true);
                List<Ip.Block> parentBlocks = net.networkBlocks(parent);
                for (Ip.Block block : cidr.values()) {
                    if (NetworkResources.auto(block)) {
                        continue;
                    }
                    boolean inside = parentBlocks.stream().anyMatch(p -> p.contains(block) && block.prefix() > p.prefix());
                    if (!inside) {
                        throw Specs.invalid("spec.cidr", block + " does not lie inside the CIDRs of network " + network + " "
                                + parentBlocks + " with a longer prefix");
                    }
                    int max = block.family() == Ip.Family.V4 ? 30 : 126;
                    if (block.prefix() > max) {
                        throw Specs.invalid("spec.cidr", "prefix length must be at most /" + max + ", was /" + block.prefix());
                    }
                }
                String zone = Specs.string("spec.zone", spec.get("zone"), true, 1, 32);
                if (!net.catalog.zones().contains(zone)) {
                    throw Specs.invalid("spec.zone", "names no zone of region " + net.catalog.region() + " " + net.catalog.zones()
                            + ", was '" + zone + "'");
                }
                Ref routeTable = Ref.parse("spec.routeTableRef", spec.get("routeTableRef"));
                if (routeTable == null) {
                    throw Specs.invalid("spec.routeTableRef", "is required");
                }
                String routeTableName = routeTable.target("route-tables", tenant, workspace);
                String routeTableNetwork = routeTable.path().getOrDefault("networks", network);
                if (!routeTableNetwork.equals(network)
                        || net.get(NetworkResources.routeTables(network), tenant, workspace, routeTableName).isEmpty()) {
                    throw Specs.invalid("spec.routeTableRef", "names no route table of network " + network + ": " + routeTable.text());
                }
                net.networkSku("spec.skuRef", spec.get("skuRef"), tenant, false);
                if (existing != null && !Objects.equals(NetworkResources.cidr("spec.cidr", existing.spec().get("cidr"), false), cidr)) {
                    // Not stated by v1.7; NIC addresses are carved from the subnet, so its range stays fixed.
                    throw ApiProblem.unprocessable("spec.cidr is immutable: delete and recreate the subnet to change its range");
                }
                net.subnetCidr(tenant, workspace, network, name, spec);
            }

            @Override
            public void deleted(Resource subnet) {
                release(net, tenant, workspace, network, subnet.name());
            }
        };
    }

    static void release(NetworkResources net, String tenant, String workspace, String network, String subnet) {
        net.ipam.release(NetworkResources.key("subnets", tenant, workspace, network), subnet);
        net.ipam.drop(NicRules.pool(tenant, workspace, network, subnet));
    }

    /** Status: {@code cidr} (effective) and {@code routeTableRef} as given. */
    public Map<String, Object> status(String network, Resource subnet) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("cidr", NetworkResources.cidrJson(net.subnetCidr(subnet.tenant(), subnet.workspace(), network, subnet.name(),
                subnet.spec())));
        if (subnet.spec().get("routeTableRef") != null) {
            status.put("routeTableRef", subnet.spec().get("routeTableRef"));
        }
        return status;
    }
}
