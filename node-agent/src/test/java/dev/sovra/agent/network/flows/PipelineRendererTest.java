package dev.sovra.agent.network.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.network.flows.OpenFlowPorts.DhcpServerPort;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.PortRange;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rendered pipeline for small specs: what must and must not be in it (the system tests check the packets). */
class PipelineRendererTest {
    private static final Underlay UNDERLAY = new Underlay("192.0.2.1", TunnelType.VXLAN);
    private static final SecurityGroup SSH = new SecurityGroup("ssh", List.of(
            SecurityRule.ingress(Protocol.TCP, PortRange.single(22), "10.0.0.0/28"),
            SecurityRule.egress(Protocol.ANY, null, null)));

    private static NodeNetworkSpec spec() {
        return new NodeNetworkSpec(UNDERLAY,
                List.of(new Segment("n1", 100, List.of(new Subnet("10.0.0.0/24", "10.0.0.1", "10.0.0.2")),
                        List.of("192.0.2.2")),
                        new Segment("n2", 200, List.of(Subnet.of("10.0.0.0/24", "10.0.0.1")), List.of())),
                List.of(new NicPort("p1", "tap1", "52:54:00:00:00:01", List.of("10.0.0.11"), "n1", List.of("ssh")),
                        new NicPort("p3", "tap3", "52:54:00:00:00:03", List.of("10.0.0.11"), "n2", List.of("ssh"))),
                List.of(new RemoteNic("p2", "52:54:00:00:00:02", List.of("10.0.0.12"), "n1", "192.0.2.2", List.of("ssh"))),
                List.of(SSH));
    }

    private static final OpenFlowPorts PORTS = new OpenFlowPorts(Map.of("p1", 1, "p3", 3),
            Map.of(100L, new DhcpServerPort(5, "02:5d:00:00:64:01")), Map.of("192.0.2.2", 9));

    private static List<String> lines(NodeNetworkSpec spec, OpenFlowPorts ports) {
        return PipelineRenderer.render(spec, ports).stream().map(Flow::toOfctl).toList();
    }

    @Test
    void renderingIsDeterministicAndHasNoDuplicates() {
        List<String> first = lines(spec(), PORTS);
        assertEquals(first, lines(spec(), PORTS));
        assertEquals(first.size(), new HashSet<>(first).size());
        List<Flow> flows = PipelineRenderer.render(spec(), PORTS);
        assertEquals(flows.size(), flows.stream().map(f -> f.table() + "/" + f.priority() + "/" + f.match()).distinct().count(),
                "two flows with the same table, priority and match would overwrite each other");
    }

    @Test
    void nicIsClassifiedIntoItsSegmentAndGuardedByMacAndAddress() {
        List<String> flows = lines(spec(), PORTS);
        assertTrue(flows.contains("table=0,priority=100,cookie=0x50a7a0,in_port=1 actions=set_field:1->reg4,"
                + "set_field:1->reg5,set_field:100->reg6,goto_table:10"), String.join("\n", flows));
        assertTrue(flows.contains("table=10,priority=100,cookie=0x50a7a0,in_port=1,dl_src=52:54:00:00:00:01,ip,"
                + "nw_src=10.0.0.11 actions=ct(table=20,zone=1)"));
        assertTrue(flows.contains("table=10,priority=100,cookie=0x50a7a0,in_port=1,dl_src=52:54:00:00:00:01,arp,"
                + "arp_sha=52:54:00:00:00:01,arp_spa=10.0.0.11 actions=goto_table:30"));
        assertTrue(flows.contains("table=10,priority=110,cookie=0x50a7a0,in_port=1,dl_src=52:54:00:00:00:01,udp,"
                + "nw_src=0.0.0.0,tp_src=68,tp_dst=67 actions=output:5"), "DHCP requests go to the node's server");
        assertTrue(flows.contains("table=10,priority=120,cookie=0x50a7a0,reg4=1,udp,tp_src=67,tp_dst=68 actions=drop"),
                "no DHCP server in a guest");
    }

    @Test
    void tunnelTrafficIsAcceptedOnlyForSegmentsThatListTheEndpoint() {
        List<String> flows = lines(spec(), PORTS);
        assertTrue(flows.stream().anyMatch(f -> f.contains("in_port=9,tun_id=100 ")));
        assertFalse(flows.stream().anyMatch(f -> f.contains("tun_id=200")), "n2 has no remote endpoint");
        assertTrue(flows.contains("table=30,priority=100,cookie=0x50a7a0,reg6=100,reg4=1,dl_dst=52:54:00:00:00:02 "
                + "actions=set_field:100->tun_id,output:9"));
    }

    @Test
    void broadcastStaysInTheSegment() {
        List<String> flows = lines(spec(), PORTS);
        assertTrue(flows.contains("table=30,priority=90,cookie=0x50a7a0,reg6=100,reg4=1,dl_dst=ff:ff:ff:ff:ff:ff,arp "
                + "actions=output:1,output:5,set_field:100->tun_id,output:9"), String.join("\n", flows));
        assertTrue(flows.contains("table=30,priority=90,cookie=0x50a7a0,reg6=200,reg4=1,dl_dst=ff:ff:ff:ff:ff:ff,arp "
                + "actions=output:3"));
        assertTrue(flows.contains("table=30,priority=90,cookie=0x50a7a0,reg6=100,reg4=2,dl_dst=ff:ff:ff:ff:ff:ff,arp "
                + "actions=output:1"), "from the tunnel: local NICs only, not the DHCP server, not back out");
    }

    @Test
    void rulesBecomeFlowsPerNicAndDirection() {
        List<String> flows = lines(spec(), PORTS);
        assertTrue(flows.contains("table=41,priority=100,cookie=0x50a7a0,ct_state=+trk-rpl,reg7=1,tcp,tcp_dst=22,"
                + "nw_src=10.0.0.0/28 actions=goto_table:42"));
        assertTrue(flows.contains("table=20,priority=100,cookie=0x50a7a0,ct_state=+trk-rpl,reg5=1,ip "
                + "actions=goto_table:21"));
        assertFalse(flows.stream().anyMatch(f -> f.startsWith("table=41") && f.contains("icmp")), "no ICMP rule");
    }

    @Test
    void remoteGroupRulesExpandToTheMembersAddresses() {
        SecurityGroup group = SecurityGroup.scsDefault("default");
        NodeNetworkSpec spec = new NodeNetworkSpec(UNDERLAY,
                List.of(new Segment("n1", 100, List.of(Subnet.of("10.0.0.0/24", "10.0.0.1")), List.of("192.0.2.2"))),
                List.of(new NicPort("p1", "tap1", "52:54:00:00:00:01", List.of("10.0.0.11"), "n1", List.of("default"))),
                List.of(new RemoteNic("p2", "52:54:00:00:00:02", List.of("10.0.0.12"), "n1", "192.0.2.2",
                        List.of("default"))),
                List.of(group));
        List<String> ingress = lines(spec, new OpenFlowPorts(Map.of("p1", 1), Map.of(), Map.of("192.0.2.2", 9))).stream()
                .filter(f -> f.startsWith("table=41,priority=100")).toList();
        assertEquals(List.of(
                "table=41,priority=100,cookie=0x50a7a0,ct_state=+trk-rpl,reg7=1,ip,nw_src=10.0.0.11 actions=goto_table:42",
                "table=41,priority=100,cookie=0x50a7a0,ct_state=+trk-rpl,reg7=1,ip,nw_src=10.0.0.12 actions=goto_table:42"),
                ingress);
    }

    @Test
    void theRouterTakesWhatLocalNicsSendToItsMacAndDeliversLocallyOrIntoTheTunnel() {
        NodeNetworkSpec spec = spec().withRouters(List.of(Router.internal("n1")));
        OpenFlowPorts ports = new OpenFlowPorts(PORTS.nics(), PORTS.dhcpServers(), PORTS.tunnels(),
                Map.of(100L, new OpenFlowPorts.RouterPort(7, "02:5e:00:00:64:01")));
        List<String> flows = lines(spec, ports);
        assertTrue(flows.contains("table=0,priority=100,cookie=0x50a7a0,in_port=7 actions=set_field:4->reg4,set_field:100->reg6,goto_table:30"),
                String.join("\n", flows));
        assertTrue(flows.contains("table=30,priority=100,cookie=0x50a7a0,reg6=100,reg4=1,dl_dst=02:5e:00:00:64:01 actions=output:7"));
        assertTrue(flows.contains("table=30,priority=100,cookie=0x50a7a0,reg6=100,reg4=4,dl_dst=52:54:00:00:00:02 "
                + "actions=set_field:100->tun_id,output:9"), "routed traffic to a remote NIC takes the tunnel");
        assertTrue(flows.stream().anyMatch(f -> f.startsWith("table=30,priority=90,cookie=0x50a7a0,reg6=100,reg4=1,dl_dst=ff:ff:ff:ff:ff:ff,arp ")
                && f.contains("output:7")), "ARP for the gateway reaches the router");
        assertTrue(flows.contains("table=30,priority=90,cookie=0x50a7a0,reg6=100,reg4=4,dl_dst=ff:ff:ff:ff:ff:ff,arp actions=output:1"),
                "the router's broadcast reaches local NICs only, never a tunnel");
        assertFalse(flows.stream().anyMatch(f -> f.contains("reg4=2") && f.contains("output:7")),
                "nothing from a tunnel reaches the router");
        assertFalse(flows.stream().anyMatch(f -> f.contains("reg6=200") && f.contains("output:7")), "n2 has no router");
    }

    @Test
    void emptySpecLeavesOnlyTheSkeleton() {
        List<Flow> flows = PipelineRenderer.render(NodeNetworkSpec.empty(UNDERLAY), new OpenFlowPorts(Map.of(), Map.of(), Map.of()));
        assertEquals(PipelineRenderer.skeleton().size(), flows.size());
    }
}
