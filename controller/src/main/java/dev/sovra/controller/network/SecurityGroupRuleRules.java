package dev.sovra.controller.network;

import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Security group rules: {@code direction} (required, ingress or egress), {@code version} (IPv4 or IPv6),
 * {@code protocol} (tcp, udp, tcp+udp or icmp), {@code ports} (from / to / list of 1 to 65535, at most 100 in
 * the list, from not above to), {@code icmp} (type 0 to 8 and code 0 to 5, both required), {@code sourceRef} (at
 * most 32 references: CIDR, IP, gateway, instance or security group), {@code annotations}. A rule stays deletable
 * while groups reference it (CONFORMANCE.md 5.6); such a group reports the reference as pending.
 */
@Singleton
public final class SecurityGroupRuleRules {
    private static final Set<String> DIRECTIONS = Set.of("ingress", "egress");
    private static final Set<String> VERSIONS = Set.of("IPv4", "IPv6");
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "tcp+udp", "icmp");
    private static final Set<String> SOURCES = Set.of("security-groups", "instances", "internet-gateways", "nics",
            "internet-nat-gateway-instances");

    public KindRules rules() {
        return new KindRules() {
            @Override
            public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
                validateRule("spec", request.spec(), tenant, workspace);
            }
        };
    }

    /** Validates one SecurityGroupRuleSpec (a standalone rule's spec, or an inline rule of a group). */
    static void validateRule(String field, Map<String, Object> rule, String tenant, String workspace) {
        Specs.oneOf(field + ".direction", rule.get("direction"), true, DIRECTIONS);
        Specs.oneOf(field + ".version", blankAsNull(rule.get("version")), false, VERSIONS);
        String protocol = Specs.oneOf(field + ".protocol", blankAsNull(rule.get("protocol")), false, PROTOCOLS);
        Map<String, Object> ports = Specs.object(field + ".ports", rule.get("ports"), false);
        if (ports != null) {
            Long from = Specs.integer(field + ".ports.from", ports.get("from"), false, 1, 65535);
            Long to = Specs.integer(field + ".ports.to", ports.get("to"), false, 1, 65535);
            if (from != null && to != null && from > to) {
                throw Specs.invalid(field + ".ports", "from (" + from + ") must not be above to (" + to + ")");
            }
            List<Object> list = Specs.list(field + ".ports.list", ports.get("list"), false, 0, 100);
            for (int i = 0; list != null && i < list.size(); i++) {
                Specs.integer(field + ".ports.list[" + i + "]", list.get(i), true, 1, 65535);
            }
            if ("icmp".equals(protocol)) {
                throw Specs.invalid(field + ".ports", "do not apply to protocol icmp");
            }
        }
        Map<String, Object> icmp = Specs.object(field + ".icmp", rule.get("icmp"), false);
        if (icmp != null) {
            Specs.integer(field + ".icmp.type", icmp.get("type"), true, 0, 8);
            Specs.integer(field + ".icmp.code", icmp.get("code"), true, 0, 5);
            if (protocol != null && !protocol.equals("icmp")) {
                throw Specs.invalid(field + ".icmp", "applies only to protocol icmp, not " + protocol);
            }
        }
        List<Object> sources = Specs.list(field + ".sourceRef", rule.get("sourceRef"), false, 0, 32);
        for (int i = 0; sources != null && i < sources.size(); i++) {
            String sourceField = field + ".sourceRef[" + i + "]";
            Object source = sources.get(i);
            Object text = source instanceof Map<?, ?> map ? map.get("resource") : source;
            if (text instanceof String s && (Ip.address(s).isPresent() || Ip.cidr(s).isPresent())) {
                continue;
            }
            Ref ref = Ref.element(sourceField, source);
            String plural = ref.lastPlural();
            if (!SOURCES.contains(plural)) {
                throw Specs.invalid(sourceField, "must be a CIDR, an IP address or a reference to a security group, instance or"
                        + " gateway, was " + ref.text());
            }
            ref.target(plural, tenant, workspace);
        }
        Specs.stringMap(field + ".annotations", rule.get("annotations"));
    }

    private static Object blankAsNull(Object value) {
        return "".equals(value) ? null : value;
    }
}
