package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Route tables (under a network): {@code routes} (1 to 1000) of {@code destinationCidrBlock} (a valid CIDR, at
 * most 43 characters) and {@code targetRef} (an internet gateway, instance, NIC, NAT gateway or an IP address).
 */
@Singleton
public final class RouteTableRules {
    private static final Set<String> TARGETS = Set.of("internet-gateways", "instances", "nics", "internet-nat-gateway-instances");

    private final NetworkResources net;

    public RouteTableRules(NetworkResources net) {
        this.net = net;
    }

    public KindRules rules(String tenant, String workspace, String network) {
        return new KindRules() {
            @Override
            public void validate(String t, String w, ResourceRequest request, Resource existing) {
                if (net.get(NetworkResources.NETWORK, tenant, workspace, network).isEmpty()) {
                    throw ApiProblem.unprocessable("network " + network + " does not exist in workspace " + workspace);
                }
                List<Object> routes = Specs.list("spec.routes", request.spec().get("routes"), true, 1, 1000);
                for (int i = 0; i < routes.size(); i++) {
                    String field = "spec.routes[" + i + "]";
                    Map<String, Object> route = Specs.object(field, routes.get(i), true);
                    String destination = Specs.string(field + ".destinationCidrBlock", route.get("destinationCidrBlock"), true, 1, 43);
                    if (Ip.cidr(destination).isEmpty()) {
                        throw Specs.invalid(field + ".destinationCidrBlock", "must be a valid CIDR block, was '" + destination + "'");
                    }
                    Object targetRef = route.get("targetRef");
                    if (targetRef == null) {
                        throw Specs.invalid(field + ".targetRef", "is required");
                    }
                    if (ipTarget(targetRef)) {
                        continue;
                    }
                    Ref target = Ref.parse(field + ".targetRef", targetRef);
                    String plural = target.lastPlural();
                    if (!TARGETS.contains(plural)) {
                        throw Specs.invalid(field + ".targetRef", "must reference an internet gateway, instance, NIC, NAT gateway or"
                                + " an IP address, was " + target.text());
                    }
                    String name = target.target(plural, tenant, workspace);
                    // Only internet gateway targets must exist: the conformance suite refuses a route to a non-existent
                    // gateway (RouteTableError) but accepts one to an instance that is created later or never
                    // (ProviderLifeCycle, RouteTableLifeCycle; CONFORMANCE.md 5.2). Such routes are 'pending' in status.
                    if (plural.equals("internet-gateways")
                            && net.get(NetworkResources.INTERNET_GATEWAY, tenant, workspace, name).isEmpty()) {
                        throw Specs.invalid(field + ".targetRef", "names no internet gateway: " + target.text());
                    }
                }
            }
        };
    }

    static boolean ipTarget(Object targetRef) {
        Object text = targetRef instanceof Map<?, ?> map ? map.get("resource") : targetRef;
        return text instanceof String s && Ip.address(s).isPresent();
    }

    /** Status: one Status per route, {@code active} when its target exists, {@code pending} while it does not. */
    public Map<String, Object> status(Resource routeTable) {
        List<Map<String, Object>> routes = new ArrayList<>();
        List<Object> specRoutes = Specs.list("spec.routes", routeTable.spec().get("routes"), false, 0, 1000);
        String at = routeTable.metadata().lastModifiedAt().toString();
        for (Object item : specRoutes == null ? List.of() : specRoutes) {
            Object targetRef = item instanceof Map<?, ?> route ? route.get("targetRef") : null;
            String state = targetExists(routeTable, targetRef) ? "active" : "pending";
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("state", state);
            condition.put("lastTransitionAt", at);
            condition.put("reason", state.equals("active") ? "TargetFound" : "WaitingForTarget");
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("state", state);
            status.put("conditions", List.of(condition));
            routes.add(status);
        }
        return Map.of("routes", routes);
    }

    private boolean targetExists(Resource routeTable, Object targetRef) {
        if (targetRef == null) {
            return false;
        }
        if (ipTarget(targetRef)) {
            return true;
        }
        try {
            Ref target = Ref.parse("targetRef", targetRef);
            String plural = target.lastPlural();
            String name = target.target(plural, routeTable.tenant(), routeTable.workspace());
            return switch (plural) {
                case "internet-gateways" -> net.get(NetworkResources.INTERNET_GATEWAY, routeTable.tenant(), routeTable.workspace(), name)
                        .isPresent();
                case "nics" -> net.get(NetworkResources.NIC, routeTable.tenant(), routeTable.workspace(), name).isPresent();
                case "instances" -> net.instances.list(routeTable.tenant(), routeTable.workspace()).stream()
                        .anyMatch(i -> i.name().equals(name));
                default -> false;
            };
        } catch (ApiProblem unreadable) {
            return false;
        }
    }
}
