package dev.sovra.agent.network.flows;

import static dev.sovra.agent.network.flows.Tables.CLASSIFY;
import static dev.sovra.agent.network.flows.Tables.DESTINATION;
import static dev.sovra.agent.network.flows.Tables.EGRESS_COMMIT;
import static dev.sovra.agent.network.flows.Tables.EGRESS_RULES;
import static dev.sovra.agent.network.flows.Tables.FORWARD;
import static dev.sovra.agent.network.flows.Tables.FROM_DHCP;
import static dev.sovra.agent.network.flows.Tables.FROM_NIC;
import static dev.sovra.agent.network.flows.Tables.FROM_ROUTER;
import static dev.sovra.agent.network.flows.Tables.FROM_TUNNEL;
import static dev.sovra.agent.network.flows.Tables.INGRESS_COMMIT;
import static dev.sovra.agent.network.flows.Tables.INGRESS_RULES;
import static dev.sovra.agent.network.flows.Tables.INGRESS_TRACK;
import static dev.sovra.agent.network.flows.Tables.ORIGIN;
import static dev.sovra.agent.network.flows.Tables.OUTPUT_DESTINATION;
import static dev.sovra.agent.network.flows.Tables.SEGMENT;
import static dev.sovra.agent.network.flows.Tables.SOURCE_GUARD;
import static dev.sovra.agent.network.flows.Tables.SOURCE_ZONE;

import dev.sovra.agent.network.flows.OpenFlowPorts.DhcpServerPort;
import dev.sovra.agent.network.flows.OpenFlowPorts.RouterPort;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.Segment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The complete OpenFlow pipeline of the integration bridge for a node spec: a pure function of the spec and the
 * port numbers, so the same input always gives the same flows (and {@code replace-flows} leaves them alone).
 * See {@link Tables} for the table layout.
 */
public final class PipelineRenderer {
    private static final String BROADCAST = "dl_dst=ff:ff:ff:ff:ff:ff";

    private PipelineRenderer() {
    }

    public static List<Flow> render(NodeNetworkSpec spec, OpenFlowPorts ports) {
        Set<Flow> flows = new LinkedHashSet<>(skeleton());
        SecurityGroupFlows groups = new SecurityGroupFlows(spec);
        for (Segment segment : spec.segments()) {
            flows.addAll(segmentFlows(spec, segment, ports));
        }
        for (NicPort nic : spec.nics()) {
            Integer ofport = ports.nics().get(nic.portId());
            if (ofport == null) {
                continue;
            }
            Segment segment = spec.segment(nic.networkId());
            flows.addAll(nicFlows(nic, ofport, segment, ports.dhcpServers().get(segment.vni())));
            flows.addAll(groups.forNic(nic, ofport));
        }
        List<Flow> sorted = new ArrayList<>(flows);
        sorted.sort(Comparator.comparingInt(Flow::table).thenComparing(Comparator.comparingInt(Flow::priority).reversed())
                .thenComparing(Flow::match));
        return List.copyOf(sorted);
    }

    /** The flows that exist whatever the spec: default drops and the connection-state shortcuts. */
    static List<Flow> skeleton() {
        List<Flow> flows = new ArrayList<>();
        for (int table : new int[] {CLASSIFY, SOURCE_GUARD, EGRESS_RULES, FORWARD, INGRESS_TRACK, INGRESS_RULES}) {
            flows.add(new Flow(table, 0, "", "drop"));
        }
        // Egress: invalid packets die, replies and related packets (ICMP errors) of tracked connections pass.
        // Only the node's DHCP server may answer DHCP: a guest running its own is cut off at the source.
        flows.add(new Flow(SOURCE_GUARD, 120, ORIGIN + "=" + FROM_NIC + ",udp,tp_src=67,tp_dst=68", "drop"));
        flows.add(new Flow(EGRESS_RULES, 200, "ct_state=+trk+inv", "drop"));
        flows.add(new Flow(EGRESS_RULES, 190, "ct_state=+trk+est+rpl", "goto_table:" + FORWARD));
        flows.add(new Flow(EGRESS_RULES, 190, "ct_state=+trk+rel", "goto_table:" + FORWARD));
        flows.add(new Flow(EGRESS_COMMIT, 100, "ct_state=+trk+new,ip",
                "ct(commit,zone=" + Tables.SOURCE_ZONE_FIELD + "),goto_table:" + FORWARD));
        flows.add(new Flow(EGRESS_COMMIT, 0, "", "goto_table:" + FORWARD));
        // Ingress: the node's own DHCP server and ARP are not filtered; IPv4 is tracked in the NIC's zone.
        flows.add(new Flow(INGRESS_TRACK, 100, ORIGIN + "=" + FROM_DHCP, OUTPUT_DESTINATION));
        flows.add(new Flow(INGRESS_TRACK, 90, "arp", OUTPUT_DESTINATION));
        flows.add(new Flow(INGRESS_TRACK, 80, "ip",
                "ct(table=" + INGRESS_RULES + ",zone=" + Tables.DESTINATION_ZONE_FIELD + ")"));
        flows.add(new Flow(INGRESS_RULES, 200, "ct_state=+trk+inv", "drop"));
        flows.add(new Flow(INGRESS_RULES, 190, "ct_state=+trk+est+rpl", OUTPUT_DESTINATION));
        flows.add(new Flow(INGRESS_RULES, 190, "ct_state=+trk+rel", OUTPUT_DESTINATION));
        flows.add(new Flow(INGRESS_COMMIT, 100, "ct_state=+trk+new,ip",
                "ct(commit,zone=" + Tables.DESTINATION_ZONE_FIELD + ")," + OUTPUT_DESTINATION));
        flows.add(new Flow(INGRESS_COMMIT, 0, "", OUTPUT_DESTINATION));
        return flows;
    }

    /** Classification of tunnel and DHCP traffic, and L2 forwarding within the segment. */
    private static List<Flow> segmentFlows(NodeNetworkSpec spec, Segment segment, OpenFlowPorts ports) {
        long vni = segment.vni();
        String inSegment = SEGMENT + "=" + vni;
        List<Flow> flows = new ArrayList<>();
        List<Integer> tunnels = segment.remoteEndpoints().stream().map(ports.tunnels()::get)
                .filter(p -> p != null).toList();
        for (int tunnel : tunnels) {
            // Only the nodes that host this segment may send into it.
            flows.add(new Flow(CLASSIFY, 100, "in_port=" + tunnel + ",tun_id=" + vni,
                    setReg(ORIGIN, FROM_TUNNEL) + "," + setReg(SEGMENT, vni) + ",goto_table:" + FORWARD));
        }
        DhcpServerPort dhcp = ports.dhcpServers().get(vni);
        if (dhcp != null) {
            flows.add(new Flow(CLASSIFY, 100, "in_port=" + dhcp.ofport(),
                    setReg(ORIGIN, FROM_DHCP) + "," + setReg(SEGMENT, vni) + ",goto_table:" + FORWARD));
            flows.add(new Flow(FORWARD, 100, inSegment + "," + ORIGIN + "=" + FROM_NIC + ",dl_dst=" + dhcp.mac(),
                    "output:" + dhcp.ofport()));
        }
        // The router answers on the gateway addresses with the same MAC on every node: what local NICs send to it
        // goes to this node's router, and nothing addressed to it crosses a tunnel.
        RouterPort router = ports.routers().get(vni);
        if (router != null) {
            flows.add(new Flow(CLASSIFY, 100, "in_port=" + router.ofport(),
                    setReg(ORIGIN, FROM_ROUTER) + "," + setReg(SEGMENT, vni) + ",goto_table:" + FORWARD));
            flows.add(new Flow(FORWARD, 100, inSegment + "," + ORIGIN + "=" + FROM_NIC + ",dl_dst=" + router.mac(),
                    "output:" + router.ofport()));
        }

        List<Integer> localNics = new ArrayList<>();
        for (NicPort nic : spec.nics()) {
            Integer ofport = ports.nics().get(nic.portId());
            if (ofport == null || !nic.networkId().equals(segment.networkId())) {
                continue;
            }
            localNics.add(ofport);
            flows.add(new Flow(FORWARD, 100, inSegment + ",dl_dst=" + nic.mac(),
                    setReg(DESTINATION, ofport) + ",goto_table:" + INGRESS_TRACK));
        }
        for (RemoteNic nic : spec.remoteNics()) {
            Integer tunnel = ports.tunnels().get(nic.endpoint());
            if (tunnel == null || !nic.networkId().equals(segment.networkId())) {
                continue;
            }
            // Only what local NICs and the local router send goes into a tunnel: nothing is relayed from one tunnel
            // to another.
            flows.add(new Flow(FORWARD, 100, inSegment + "," + ORIGIN + "=" + FROM_NIC + ",dl_dst=" + nic.mac(),
                    "set_field:" + vni + "->tun_id,output:" + tunnel));
            if (router != null) {
                flows.add(new Flow(FORWARD, 100, inSegment + "," + ORIGIN + "=" + FROM_ROUTER + ",dl_dst=" + nic.mac(),
                        "set_field:" + vni + "->tun_id,output:" + tunnel));
            }
        }

        // Broadcast is ARP (and the DHCP server's offers) only, and stays in the segment. A local NIC's broadcast
        // reaches the other local NICs, the DHCP server and the remote nodes; a remote node's broadcast only the
        // local NICs (split horizon: the full mesh of tunnels needs no relaying).
        String toLocal = outputs(localNics);
        List<String> fromNic = new ArrayList<>();
        if (!toLocal.isEmpty()) {
            fromNic.add(toLocal);
        }
        if (dhcp != null) {
            fromNic.add("output:" + dhcp.ofport());
        }
        if (router != null) {
            fromNic.add("output:" + router.ofport());
        }
        if (!tunnels.isEmpty()) {
            fromNic.add("set_field:" + vni + "->tun_id," + outputs(tunnels));
        }
        flows.add(new Flow(FORWARD, 90, inSegment + "," + ORIGIN + "=" + FROM_NIC + "," + BROADCAST + ",arp",
                fromNic.isEmpty() ? "drop" : String.join(",", fromNic)));
        if (!toLocal.isEmpty()) {
            flows.add(new Flow(FORWARD, 90, inSegment + "," + ORIGIN + "=" + FROM_TUNNEL + "," + BROADCAST + ",arp",
                    toLocal));
            if (dhcp != null) {
                flows.add(new Flow(FORWARD, 90, inSegment + "," + ORIGIN + "=" + FROM_DHCP + "," + BROADCAST, toLocal));
            }
            if (router != null) {
                flows.add(new Flow(FORWARD, 90, inSegment + "," + ORIGIN + "=" + FROM_ROUTER + "," + BROADCAST + ",arp",
                        toLocal));
            }
        }
        return flows;
    }

    /** Classification and source guard of one local NIC. */
    private static List<Flow> nicFlows(NicPort nic, int ofport, Segment segment, DhcpServerPort dhcp) {
        List<Flow> flows = new ArrayList<>();
        flows.add(new Flow(CLASSIFY, 100, "in_port=" + ofport, setReg(ORIGIN, FROM_NIC) + "," + setReg(SOURCE_ZONE, ofport)
                + "," + setReg(SEGMENT, segment.vni()) + ",goto_table:" + SOURCE_GUARD));
        String fromNic = "in_port=" + ofport + ",dl_src=" + nic.mac();
        if (dhcp != null) {
            // DHCP goes straight to the node's DHCP server (it is infrastructure, not subject to the groups).
            List<String> sources = new ArrayList<>(nic.ipv4());
            sources.add(0, "0.0.0.0");
            for (String source : sources) {
                flows.add(new Flow(SOURCE_GUARD, 110, fromNic + ",udp,nw_src=" + source + ",tp_src=68,tp_dst=67",
                        "output:" + dhcp.ofport()));
            }
        }
        for (String address : nic.ipv4()) {
            flows.add(new Flow(SOURCE_GUARD, 100, fromNic + ",ip,nw_src=" + address,
                    "ct(table=" + EGRESS_RULES + ",zone=" + ofport + ")"));
            flows.add(new Flow(SOURCE_GUARD, 100, fromNic + ",arp,arp_sha=" + nic.mac() + ",arp_spa=" + address,
                    "goto_table:" + FORWARD));
        }
        // ARP probes (RFC 5227) before an address is configured carry sender address 0.0.0.0.
        flows.add(new Flow(SOURCE_GUARD, 100, fromNic + ",arp,arp_sha=" + nic.mac() + ",arp_spa=0.0.0.0",
                "goto_table:" + FORWARD));
        return flows;
    }

    private static String setReg(String register, long value) {
        return "set_field:" + value + "->" + register;
    }

    private static String outputs(List<Integer> ports) {
        return ports.stream().map(p -> "output:" + p).collect(Collectors.joining(","));
    }
}
