package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Networks: {@code cidr} (required, private ranges, immutable), {@code additionalCidrs} (at most 32, no
 * overlaps, removable only while no subnet uses them), {@code skuRef} (required, must be a catalogue SKU).
 */
@Singleton
public final class NetworkRules {
    private final NetworkResources net;

    public NetworkRules(NetworkResources net) {
        this.net = net;
    }

    public KindRules rules(String tenant, String workspace, String name) {
        return new KindRules() {
            @Override
            public void validate(String t, String w, ResourceRequest request, Resource existing) {
                Map<String, Object> spec = request.spec();
                Map<Ip.Family, Ip.Block> cidr = NetworkResources.cidr("spec.cidr", spec.get("cidr"), true);
                List<Ip.Block> all = new ArrayList<>();
                for (Ip.Block block : cidr.values()) {
                    checkRange("spec.cidr", block, true);
                    if (!NetworkResources.auto(block)) {
                        all.add(block);
                    }
                }
                List<Object> additional = Specs.list("spec.additionalCidrs", spec.get("additionalCidrs"), false, 0, 32);
                if (additional != null) {
                    for (int i = 0; i < additional.size(); i++) {
                        String field = "spec.additionalCidrs[" + i + "]";
                        for (Ip.Block block : NetworkResources.cidr(field, additional.get(i), true).values()) {
                            checkRange(field, block, false);
                            all.add(block);
                        }
                    }
                }
                for (int i = 0; i < all.size(); i++) {
                    for (int j = i + 1; j < all.size(); j++) {
                        if (all.get(i).overlaps(all.get(j))) {
                            throw ApiProblem.unprocessable("spec: CIDRs " + all.get(i) + " and " + all.get(j) + " overlap");
                        }
                    }
                }
                // Deliberately NOT immutable although v1.7 says so: the conformance lifecycles change a network's SKU in
                // place and expect 'active' (CONFORMANCE.md 5.5). Existence in the catalogue is still enforced.
                net.networkSku("spec.skuRef", spec.get("skuRef"), tenant, true);
                // Pre-v1.7 networks named a route table; accepted (syntax only) and echoed, since it is created afterwards.
                Ref.parse("spec.routeTableRef", spec.get("routeTableRef"));
                if (existing != null) {
                    if (!Objects.equals(NetworkResources.cidr("spec.cidr", existing.spec().get("cidr"), false), cidr)) {
                        throw ApiProblem.unprocessable("spec.cidr is immutable: the main CIDR cannot change after creation");
                    }
                    checkRemovedCidrsUnused(existing, all);
                }
                // Assign automatic ranges now, so an exhausted pool refuses the request before anything is written.
                net.networkCidr(tenant, workspace, name, spec);
            }

            @Override
            public void checkDelete(Resource network) {
                int routeTables = net.resources.all(NetworkResources.routeTables(network.name()), network.tenant(),
                        network.workspace()).size();
                if (routeTables > 0) {
                    throw ApiProblem.conflict("network " + network.name() + " still has " + routeTables
                            + " route table(s); delete them first");
                }
                // Leftover subnets do not block (the conformance NIC lifecycle leaves one behind and deletes the
                // network, CONFORMANCE.md 5.6); they are removed with the network.
            }

            @Override
            public void deleted(Resource network) {
                for (Resource subnet : net.resources.all(NetworkResources.subnets(network.name()), network.tenant(), network.workspace())) {
                    try {
                        net.resources.delete(NetworkResources.subnets(network.name()), network.tenant(), network.workspace(),
                                subnet.name(), null, new SubnetRules.NoRules());
                    } catch (ApiProblem gone) {
                        // deleted concurrently
                    }
                    SubnetRules.release(net, network.tenant(), network.workspace(), network.name(), subnet.name());
                }
                net.ipam.drop(NetworkResources.key("subnets", network.tenant(), network.workspace(), network.name()));
                net.ipam.release(NetworkResources.key("networks", network.tenant(), network.workspace()), network.name());
            }
        };
    }

    private void checkRemovedCidrsUnused(Resource existing, List<Ip.Block> kept) {
        List<Ip.Block> removed = new ArrayList<>();
        List<Object> before = Specs.list("spec.additionalCidrs", existing.spec().get("additionalCidrs"), false, 0, 1000);
        if (before != null) {
            for (Object cidr : before) {
                NetworkResources.cidr("spec.additionalCidrs", cidr, false).values().stream().filter(b -> !kept.contains(b))
                        .forEach(removed::add);
            }
        }
        if (removed.isEmpty()) {
            return;
        }
        for (Resource subnet : net.resources.all(NetworkResources.subnets(existing.name()), existing.tenant(), existing.workspace())) {
            for (Ip.Block block : NetworkResources.cidr("spec.cidr", subnet.spec().get("cidr"), false).values()) {
                for (Ip.Block gone : removed) {
                    if (gone.overlaps(block)) {
                        throw ApiProblem.conflict("spec.additionalCidrs: " + gone + " is used by subnet " + subnet.name()
                                + " and cannot be removed");
                    }
                }
            }
        }
    }

    private static void checkRange(String field, Ip.Block block, boolean autoAllowed) {
        boolean v4 = block.family() == Ip.Family.V4;
        if (NetworkResources.auto(block)) {
            if (!autoAllowed) {
                throw Specs.invalid(field, "cannot ask for automatic assignment (" + block + "); only spec.cidr can");
            }
        } else if (!Ip.isPrivate(block)) {
            throw Specs.invalid(field, "must be " + (v4 ? "in RFC 1918 private space (10/8, 172.16/12, 192.168/16)"
                    : "in RFC 4193 unique local space (fc00::/7)") + ", was " + block);
        }
        int min = 8;
        int max = v4 ? 28 : 64;
        if (block.prefix() < min || block.prefix() > max) {
            throw Specs.invalid(field, "prefix length must be /" + min + " to /" + max + ", was /" + block.prefix());
        }
    }

    /** Status: {@code cidr} (effective, with automatic ranges filled in) and {@code additionalCidrs}. */
    public Map<String, Object> status(Resource network) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("cidr", NetworkResources.cidrJson(net.networkCidr(network.tenant(), network.workspace(), network.name(),
                network.spec())));
        if (network.spec().get("additionalCidrs") != null) {
            status.put("additionalCidrs", network.spec().get("additionalCidrs"));
        }
        return status;
    }
}
