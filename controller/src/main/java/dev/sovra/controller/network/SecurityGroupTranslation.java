package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.model.Resource;
import dev.sovra.model.network.Direction;
import dev.sovra.model.network.PortRange;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a SECA security group (inline {@code rules} and {@code ruleRefs} to security-group-rule resources) into the
 * data plane's allow rules. Every group gets scs-0115's "all egress" rule, as a new custom group does there.
 *
 * <p>What the data plane cannot express yet is mapped as follows: an ICMP type/code becomes "all ICMP" (broader,
 * so a rule like "echo request" keeps working); IPv6 rules and sources that are instances, NICs or gateways are
 * left out (narrower), with a log line. A source naming another security group becomes a remote-group rule; the
 * caller must include that group in the node's spec ({@link #remoteGroups}).
 */
final class SecurityGroupTranslation {
    private static final Logger log = LoggerFactory.getLogger(SecurityGroupTranslation.class);

    private SecurityGroupTranslation() {
    }

    /** The data-plane id of a SECA security group. */
    static String id(String tenant, String workspace, String name) {
        return "tenants/" + tenant + "/workspaces/" + workspace + "/security-groups/" + name;
    }

    /**
     * The group's rules; {@code ruleByName} resolves a security-group-rule of the group's workspace (empty if it is
     * gone: a group reports such a reference as pending and it allows nothing).
     */
    static SecurityGroup translate(Resource group, Function<String, java.util.Optional<Resource>> ruleByName) {
        List<SecurityRule> rules = new ArrayList<>();
        if (group.spec().get("rules") instanceof List<?> inline) {
            for (Object rule : inline) {
                if (rule instanceof Map<?, ?> map) {
                    rules.addAll(rules(group, cast(map)));
                }
            }
        }
        if (group.spec().get("ruleRefs") instanceof List<?> refs) {
            for (Object ref : refs) {
                String name;
                try {
                    name = Ref.parse("ruleRefs", ref).target("security-group-rules", group.tenant(), group.workspace());
                } catch (ApiProblem unreadable) {
                    continue; // stored specs were validated
                }
                ruleByName.apply(name).ifPresent(rule -> rules.addAll(rules(group, rule.spec())));
            }
        }
        return SecurityGroup.scsCustom(id(group.tenant(), group.workspace(), group.name()), rules);
    }

    /** The ids of the groups that the rules of {@code group} name as their remote. */
    static List<String> remoteGroups(SecurityGroup group) {
        return group.rules().stream().map(SecurityRule::remoteGroupId).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** One SECA rule spec as allow rules: one per protocol (tcp+udp), port range or list entry, and source. */
    private static List<SecurityRule> rules(Resource group, Map<String, Object> spec) {
        String where = "group=" + group.tenant() + "/" + group.workspace() + "/" + group.name();
        if ("IPv6".equals(spec.get("version"))) {
            log.debug("security rule skipped (IPv6 not in the data plane yet) {}", where);
            return List.of();
        }
        Direction direction = "egress".equals(spec.get("direction")) ? Direction.EGRESS : Direction.INGRESS;
        List<Protocol> protocols = switch (String.valueOf(spec.get("protocol"))) {
            case "tcp" -> List.of(Protocol.TCP);
            case "udp" -> List.of(Protocol.UDP);
            case "tcp+udp" -> List.of(Protocol.TCP, Protocol.UDP);
            case "icmp" -> List.of(Protocol.ICMP);
            default -> List.of(Protocol.ANY);
        };
        List<PortRange> ranges = new ArrayList<>();
        if (spec.get("ports") instanceof Map<?, ?> ports) {
            Object from = ports.get("from");
            Object to = ports.get("to");
            if (from instanceof Number || to instanceof Number) {
                int min = from instanceof Number n ? n.intValue() : 1;
                int max = to instanceof Number n ? n.intValue() : (from instanceof Number ? min : 65535);
                ranges.add(new PortRange(min, max));
            }
            if (ports.get("list") instanceof List<?> list) {
                list.stream().filter(Number.class::isInstance).forEach(p -> ranges.add(PortRange.single(((Number) p).intValue())));
            }
        }
        List<String[]> remotes = new ArrayList<>(); // {cidr, groupId}
        if (spec.get("sourceRef") instanceof List<?> sources && !sources.isEmpty()) {
            for (Object source : sources) {
                Object text = source instanceof Map<?, ?> map ? map.get("resource") : source;
                if (text instanceof String s && Ip.cidr(s).isPresent()) {
                    Ip.cidr(s).filter(b -> b.family() == Ip.Family.V4).ifPresent(b -> remotes.add(new String[] {b.toString(), null}));
                    continue;
                }
                if (text instanceof String s && Ip.address(s).isPresent()) {
                    Ip.address(s).filter(b -> b.family() == Ip.Family.V4).ifPresent(b -> remotes.add(new String[] {b.toString(), null}));
                    continue;
                }
                try {
                    Ref ref = Ref.parse("sourceRef", source);
                    if ("security-groups".equals(ref.lastPlural())) {
                        String name = ref.target("security-groups", group.tenant(), group.workspace());
                        remotes.add(new String[] {null, id(group.tenant(), group.workspace(), name)});
                    } else {
                        log.debug("security rule source skipped (not in the data plane yet) {} source={}", where, ref.text());
                    }
                } catch (ApiProblem unreadable) {
                    // stored specs were validated
                }
            }
            if (remotes.isEmpty()) {
                return List.of(); // every source was one the data plane cannot express: allow nothing rather than everything
            }
        } else {
            remotes.add(new String[] {null, null});
        }
        List<SecurityRule> out = new ArrayList<>();
        for (Protocol protocol : protocols) {
            List<PortRange> portChoices = protocol.hasPorts() && !ranges.isEmpty() ? ranges : java.util.Collections.singletonList(null);
            for (PortRange ports : portChoices) {
                for (String[] remote : remotes) {
                    out.add(new SecurityRule(direction, protocol, ports, remote[0], remote[1]));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }
}
