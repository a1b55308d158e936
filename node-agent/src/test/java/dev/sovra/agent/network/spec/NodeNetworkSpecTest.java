package dev.sovra.model.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeNetworkSpecTest {
    private static final Underlay UNDERLAY = new Underlay("192.0.2.1", TunnelType.VXLAN);
    private static final Segment N1 = new Segment("n1", 100, List.of(new Subnet("10.0.0.0/24", "10.0.0.1", "10.0.0.2")),
            List.of("192.0.2.2"));

    private static NicPort nic(String id, String device, String mac, String ip, String network, String group) {
        return new NicPort(id, device, mac, List.of(ip), network, List.of(group));
    }

    @Test
    void aConsistentSpecIsAccepted() {
        NodeNetworkSpec spec = new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.11", "n1", "g")),
                List.of(new RemoteNic("p2", "52:54:00:00:00:02", List.of("10.0.0.12"), "n1", "192.0.2.2", List.of("g"))),
                List.of(SecurityGroup.scsDefault("g")));
        assertEquals("n1", spec.segment("n1").networkId());
    }

    @Test
    void inconsistenciesAreRefusedWithTheReason() {
        SecurityGroup g = SecurityGroup.scsDefault("g");
        assertMessage("no segment n9", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.11", "n9", "g")), List.of(), List.of(g)));
        assertMessage("in no subnet", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.9.0.11", "n1", "g")), List.of(), List.of(g)));
        assertMessage("gateway or DHCP server", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.2", "n1", "g")), List.of(), List.of(g)));
        assertMessage("unknown security group", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.11", "n1", "x")), List.of(), List.of(g)));
        assertMessage("used by two NICs", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.11", "n1", "g"),
                        nic("p2", "tap1", "52:54:00:00:00:02", "10.0.0.12", "n1", "g")), List.of(), List.of(g)));
        assertMessage("used twice in network", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1),
                List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.11", "n1", "g"),
                        nic("p2", "tap2", "52:54:00:00:00:01", "10.0.0.12", "n1", "g")), List.of(), List.of(g)));
        assertMessage("not a remote endpoint", () -> new NodeNetworkSpec(UNDERLAY, List.of(N1), List.of(),
                List.of(new RemoteNic("p2", "52:54:00:00:00:02", List.of("10.0.0.12"), "n1", "192.0.2.9", List.of())),
                List.of(g)));
        assertMessage("VNI 100 used by two", () -> new NodeNetworkSpec(UNDERLAY,
                List.of(N1, new Segment("n2", 100, List.of(), List.of())), List.of(), List.of(), List.of()));
        assertMessage("own underlay address", () -> new NodeNetworkSpec(UNDERLAY,
                List.of(new Segment("n2", 7, List.of(), List.of("192.0.2.1"))), List.of(), List.of(), List.of()));
    }

    @Test
    void routersAreCheckedAgainstTheirSegmentAndTheLocalNics() {
        SecurityGroup g = SecurityGroup.scsDefault("g");
        List<NicPort> nics = List.of(nic("p1", "tap1", "52:54:00:00:00:01", "10.0.0.11", "n1", "g"));
        Router.ExternalLeg leg = new Router.ExternalLeg("203.0.113.10", "203.0.113.0/24", "203.0.113.1");
        Router router = new Router("n1", leg, List.of(new Router.InternetRoute("10.0.0.0/24", "0.0.0.0/0")),
                List.of(new Router.NextHopRoute("10.0.0.0/24", "10.9.0.0/16", "10.0.0.12")), List.of(new Router.PublicIpMapping("203.0.113.20", "10.0.0.11")));
        NodeNetworkSpec spec = new NodeNetworkSpec(UNDERLAY, List.of(N1), nics, List.of(), List.of(g), List.of(router));
        assertEquals(router, spec.router("n1").orElseThrow());
        assertEquals(List.of(), new NodeNetworkSpec(UNDERLAY, List.of(N1), nics, List.of(), List.of(g)).routers());

        assertMessage("no segment n9", () -> spec.withRouters(List.of(Router.internal("n9"))));
        assertMessage("listed twice", () -> spec.withRouters(List.of(Router.internal("n1"), Router.internal("n1"))));
        assertMessage("no subnet of the segment has a gateway", () -> new NodeNetworkSpec(UNDERLAY,
                List.of(new Segment("n2", 5, List.of(Subnet.of("10.5.0.0/24", null)), List.of())), List.of(), List.of(),
                List.of(), List.of(Router.internal("n2"))));
        assertMessage("internet route from 10.1.0.0/24", () -> spec.withRouters(List.of(new Router("n1", leg,
                List.of(new Router.InternetRoute("10.1.0.0/24", "0.0.0.0/0")), List.of(), List.of()))));
        assertMessage("no address of a NIC bound here", () -> spec.withRouters(List.of(new Router("n1", leg, List.of(), List.of(),
                List.of(new Router.PublicIpMapping("203.0.113.20", "10.0.0.12"))))));
        assertMessage("next hop 10.0.0.1 is no guest address", () -> spec.withRouters(List.of(router.withNextHopRoutes(
                List.of(new Router.NextHopRoute("10.0.0.0/24", "10.9.0.0/16", "10.0.0.1"))))));
        assertMessage("next hop 10.7.0.5 is no guest address", () -> spec.withRouters(List.of(router.withNextHopRoutes(
                List.of(new Router.NextHopRoute("10.0.0.0/24", "10.9.0.0/16", "10.7.0.5"))))));
        assertMessage("route from 10.2.0.0/24", () -> spec.withRouters(List.of(router.withNextHopRoutes(
                List.of(new Router.NextHopRoute("10.2.0.0/24", "10.9.0.0/16", "10.0.0.12"))))));
        assertMessage("two next hops", () -> router.withNextHopRoutes(List.of(
                new Router.NextHopRoute("10.0.0.0/24", "10.9.0.0/16", "10.0.0.12"),
                new Router.NextHopRoute("10.0.0.0/24", "10.9.0.0/16", "10.0.0.13"))));
        assertMessage("need an external leg", () -> new Router("n1", null,
                List.of(new Router.InternetRoute("10.0.0.0/24", "0.0.0.0/0")), List.of(), List.of()));
        assertMessage("used twice", () -> new Router("n1", leg, List.of(), List.of(),
                List.of(new Router.PublicIpMapping("203.0.113.10", "10.0.0.11"))));
        assertMessage("two public addresses", () -> new Router("n1", leg, List.of(), List.of(), List.of(
                new Router.PublicIpMapping("203.0.113.20", "10.0.0.11"), new Router.PublicIpMapping("203.0.113.21", "10.0.0.11"))));
        assertMessage("must lie in", () -> new Router.ExternalLeg("198.51.100.2", "203.0.113.0/24", "203.0.113.1"));
        assertEquals("10.0.0.0/24", new Router.InternetRoute("10.0.0.0/24", "0.0.0.0/0").sourceCidr());
    }

    @Test
    void valuesAreCheckedAndNormalised() {
        assertMessage("host bits", () -> Cidr.parse("10.0.0.7/24"));
        assertMessage("unicast", () -> Mac.unicast("01:00:5e:00:00:01", "nic"));
        assertEquals("52:54:00:ab:cd:ef", Mac.unicast("52:54:00:AB:CD:EF", "nic"));
        assertMessage("tcp or udp", () -> SecurityRule.ingress(Protocol.ICMP, PortRange.single(1), null));
        assertMessage("VNI must be", () -> new Segment("n", 1L << 24, List.of(), List.of()));
        assertMessage("overlap", () -> new Segment("n", 5, List.of(Subnet.of("10.0.0.0/24", null),
                Subnet.of("10.0.0.0/16", null)), List.of()));
        assertEquals("vxc0000202", TunnelType.VXLAN.portName("192.0.2.2"));
        assertTrue(Cidr.parse("10.0.0.0/8").contains("10.200.1.1"));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
