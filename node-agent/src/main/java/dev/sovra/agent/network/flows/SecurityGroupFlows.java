package dev.sovra.agent.network.flows;

import dev.sovra.model.network.Direction;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The security group rules of the local NICs as flows in {@link Tables#EGRESS_RULES} and
 * {@link Tables#INGRESS_RULES}: one flow per (NIC, rule, remote address block, port block).
 *
 * <p>Rules match every packet of the connection's ORIGINAL direction ({@code ct_state=+trk-rpl}), not only the
 * first: removing a rule therefore also stops established connections it alone allowed, while connections that
 * another rule still allows keep flowing (their flows are unchanged). Replies are allowed by the generic
 * {@code +est+rpl} flows, which is what makes the groups stateful.
 */
final class SecurityGroupFlows {
    private static final int RULE_PRIORITY = 100;

    private final NodeNetworkSpec spec;
    /** Member addresses of each group (local and remote NICs), for rules with a remote group. */
    private final Map<String, Set<String>> groupMembers = new TreeMap<>();

    SecurityGroupFlows(NodeNetworkSpec spec) {
        this.spec = spec;
        for (NicPort nic : spec.nics()) {
            nic.securityGroupIds().forEach(g -> groupMembers.computeIfAbsent(g, k -> new TreeSet<>()).addAll(nic.ipv4()));
        }
        for (RemoteNic nic : spec.remoteNics()) {
            nic.securityGroupIds().forEach(g -> groupMembers.computeIfAbsent(g, k -> new TreeSet<>()).addAll(nic.ipv4()));
        }
    }

    /** The rule flows of one local NIC with OpenFlow port {@code ofport}. */
    List<Flow> forNic(NicPort nic, int ofport) {
        // Identical rules from several groups would render identical flows: keep one.
        Set<Flow> flows = new LinkedHashSet<>();
        for (String groupId : nic.securityGroupIds()) {
            SecurityGroup group = spec.securityGroup(groupId);
            for (SecurityRule rule : group.rules()) {
                flows.addAll(forRule(rule, ofport));
            }
        }
        return List.copyOf(flows);
    }

    private List<Flow> forRule(SecurityRule rule, int ofport) {
        boolean ingress = rule.direction() == Direction.INGRESS;
        int table = ingress ? Tables.INGRESS_RULES : Tables.EGRESS_RULES;
        String nicMatch = (ingress ? Tables.DESTINATION : Tables.SOURCE_ZONE) + "=" + ofport;
        String next = "goto_table:" + (ingress ? Tables.INGRESS_COMMIT : Tables.EGRESS_COMMIT);
        String remoteField = ingress ? "nw_src" : "nw_dst";

        List<String> remotes = new ArrayList<>();
        if (rule.remoteGroupId() != null) {
            Set<String> members = groupMembers.getOrDefault(rule.remoteGroupId(), Set.of());
            members.forEach(address -> remotes.add(remoteField + "=" + address));
            if (remotes.isEmpty()) {
                return List.of(); // an empty group allows nothing
            }
        } else if (rule.remote().prefixLength() == 0) {
            remotes.add("");
        } else {
            remotes.add(remoteField + "=" + rule.remote());
        }

        List<String> protocols = new ArrayList<>();
        Protocol protocol = rule.protocol();
        switch (protocol) {
            case ANY -> protocols.add("ip");
            case ICMP -> protocols.add("icmp");
            case TCP, UDP -> {
                String name = protocol == Protocol.TCP ? "tcp" : "udp";
                if (rule.ports() == null) {
                    protocols.add(name);
                } else {
                    PortMasks.cover(rule.ports()).forEach(m -> protocols.add(name + "," + name + "_dst=" + m));
                }
            }
            default -> throw new IllegalStateException("unknown protocol " + protocol);
        }

        List<Flow> flows = new ArrayList<>();
        for (String proto : protocols) {
            for (String remote : remotes) {
                String match = "ct_state=+trk-rpl," + nicMatch + "," + proto + (remote.isEmpty() ? "" : "," + remote);
                flows.add(new Flow(table, RULE_PRIORITY, match, next));
            }
        }
        return flows;
    }
}
