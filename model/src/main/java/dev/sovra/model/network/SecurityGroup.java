package dev.sovra.model.network;

import java.util.List;
import java.util.Objects;

/** A named set of allow rules, applied to every NIC that lists the group. */
public record SecurityGroup(String id, List<SecurityRule> rules) {
    public SecurityGroup {
        Objects.requireNonNull(id, "id");
        rules = List.copyOf(rules);
    }

    /**
     * A workspace's default group with the rules SCS scs-0115 prescribes for it: all IPv4 egress, and ingress only
     * from members of the same group.
     */
    public static SecurityGroup scsDefault(String id) {
        return new SecurityGroup(id, List.of(
                SecurityRule.egress(Protocol.ANY, null, null),
                SecurityRule.ingressFromGroup(Protocol.ANY, null, id)));
    }

    /** A custom group as scs-0115 creates it: all IPv4 egress, no ingress. */
    public static SecurityGroup scsCustom(String id, List<SecurityRule> extraRules) {
        List<SecurityRule> rules = new java.util.ArrayList<>();
        rules.add(SecurityRule.egress(Protocol.ANY, null, null));
        rules.addAll(extraRules);
        return new SecurityGroup(id, rules);
    }
}
