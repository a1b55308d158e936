package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import dev.sovra.agent.network.flows.OpenFlowPorts;
import dev.sovra.agent.network.flows.PipelineRenderer;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.PortRange;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.Router.ExternalLeg;
import dev.sovra.model.network.Router.InternetRoute;
import dev.sovra.model.network.Router.NextHopRoute;
import dev.sovra.model.network.Router.PublicIpMapping;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * North-south traffic through the network's router on a real node ({@link OvsNode}: own namespace and OVS,
 * userspace datapath) with real QEMU guests: an "outside" namespace sits on the node's uplink bridge with the
 * uplink's gateway address 203.0.113.1 and a TCP service that answers with the address it sees as the caller.
 *
 * <p>Guests in network net1 on node a, subnet 10.30.0.0/24: g1 (10.30.0.11, public IP 203.0.113.50) and g2
 * (10.30.0.12, behind the internet gateway only). The router's own uplink address is 203.0.113.10. A second node b
 * (no uplink) hosts g3 in net1's other subnet 10.31.0.0/24: routed between the subnets by each node's own router.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterIT {
    private static final Duration BOOT = Duration.ofSeconds(90);
    private static final String NET1 = "net1";
    private static final String UPLINK = "upl0";
    private static final String OUTSIDE_IP = "203.0.113.1";
    private static final String ROUTER_IP = "203.0.113.10";
    private static final String G1_PUBLIC = "203.0.113.50";
    private static final Underlay UNDERLAY = new Underlay("198.18.9.1", TunnelType.VXLAN);
    private static final Underlay UNDERLAY_B = new Underlay("198.18.9.2", TunnelType.VXLAN);
    private static final List<Subnet> SUBNETS = List.of(new Subnet("10.30.0.0/24", "10.30.0.1", null),
            new Subnet("10.31.0.0/24", "10.31.0.1", null));
    private static final ExternalLeg LEG = new ExternalLeg(ROUTER_IP, "203.0.113.0/24", OUTSIDE_IP);
    private static final SecurityGroup WEB = SecurityGroup.scsCustom("web", List.of(
            SecurityRule.ingress(Protocol.ICMP, null, "0.0.0.0/0"),
            SecurityRule.ingress(Protocol.TCP, PortRange.single(8080), "0.0.0.0/0")));

    static String prefix;
    static Path baseDir;
    static OvsNode node;
    static OvsNode nodeB;
    static OvsdbClient client;
    static OvsdbClient clientB;
    static NetworkPlane plane;
    static NetworkPlane planeB;
    static String outside;
    static Process peerService;
    static QemuGuest g1;
    static QemuGuest g2;
    static QemuGuest g3;

    @BeforeAll
    static void setUp() throws Exception {
        TestGuest.Guest image = NetworkSystemTest.require();
        NetworkSystemTest.requireRouterTools();
        prefix = NetworkSystemTest.randomPrefix();
        baseDir = Files.createTempDirectory(Path.of("/var/tmp"), "sovra-router-it-");
        node = OvsNode.start(prefix, "a", baseDir);
        nodeB = OvsNode.start(prefix, "b", baseDir);
        dev.sovra.agent.network.Underlay.connect(prefix, node, UNDERLAY.localIp(), nodeB, UNDERLAY_B.localIp());
        client = node.connect();
        clientB = nodeB.connect();
        plane = new NetworkPlane(client, node.planeConfig().withUplinkBridge(UPLINK));
        planeB = new NetworkPlane(clientB, nodeB.planeConfig());
        ApplyResult created = plane.apply(spec(List.of("default"), true, true)); // creates the router and the uplink bridge
        System.out.println("router created (namespace, 2 veths, addresses, rules, flows) in " + created.took().toMillis() + " ms");

        outside = prefix + "out";
        OvsNode.HOST.run(List.of("ip", "netns", "del", outside), Duration.ofSeconds(10));
        OvsNode.check(List.of("ip", "netns", "add", outside));
        OvsNode.check(List.of("ip", "link", "add", prefix + "o", "type", "veth", "peer", "name", prefix + "p"));
        OvsNode.check(List.of("ip", "link", "set", prefix + "o", "netns", outside));
        OvsNode.check(List.of("ip", "link", "set", prefix + "p", "netns", node.netns()));
        node.ip("link", "set", prefix + "p", "master", UPLINK, "up");
        OvsNode.check(List.of("ip", "-n", outside, "addr", "add", OUTSIDE_IP + "/24", "dev", prefix + "o"));
        OvsNode.check(List.of("ip", "-n", outside, "link", "set", prefix + "o", "up"));
        OvsNode.check(List.of("ip", "-n", outside, "link", "set", "lo", "up"));
        Path service = baseDir.resolve("peer.py");
        Files.writeString(service, """
                import socket
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", 9000))
                s.listen(16)
                while True:
                    c, peer = s.accept()
                    c.sendall(("peer=" + peer[0] + "\\n").encode())
                    c.close()
                """);
        peerService = new ProcessBuilder("ip", "netns", "exec", outside, "python3", service.toString())
                .redirectErrorStream(true).redirectOutput(baseDir.resolve("peer.out").toFile()).start();

        g1 = QemuGuest.start(node, prefix + "g1", "52:54:00:30:00:11", "10.30.0.11/24", image);
        g2 = QemuGuest.start(node, prefix + "g2", "52:54:00:30:00:12", "10.30.0.12/24", image);
        g3 = QemuGuest.start(nodeB, prefix + "g3", "52:54:00:31:00:13", "10.31.0.13/24", image);
        plane.apply(spec(List.of("default"), true, true)); // binds the taps QEMU just created
        planeB.apply(specB());
        for (QemuGuest guest : List.of(g1, g2, g3)) {
            guest.awaitReady(BOOT);
        }
        for (QemuGuest guest : List.of(g1, g2)) {
            guest.run("ip route replace default via 10.30.0.1 dev eth0");
        }
        g3.run("ip route replace default via 10.31.0.1 dev eth0");
        g1.run("printf '#!/bin/sh\\necho hello-g1\\n' > /tmp/hello && chmod +x /tmp/hello; "
                + "nc -ll -p 8080 -e /tmp/hello >/dev/null 2>&1 &");
    }

    /**
     * net1 on this node with g1 (in {@code g1Groups}) and g2 (default group); its router has the external leg, an
     * internet route for the subnet if {@code gateway}, and g1's public IP if {@code publicIp}.
     */
    static NodeNetworkSpec spec(List<String> g1Groups, boolean gateway, boolean publicIp) {
        List<NicPort> nics = List.of(
                new NicPort("port-g1", prefix + "g1", "52:54:00:30:00:11", List.of("10.30.0.11"), NET1, g1Groups),
                new NicPort("port-g2", prefix + "g2", "52:54:00:30:00:12", List.of("10.30.0.12"), NET1, List.of("default")));
        Router router = new Router(NET1, LEG,
                gateway ? List.of(new InternetRoute("10.30.0.0/24", "0.0.0.0/0")) : List.of(), List.of(),
                publicIp ? List.of(new PublicIpMapping(G1_PUBLIC, "10.30.0.11")) : List.of());
        return new NodeNetworkSpec(UNDERLAY, List.of(new Segment(NET1, 301, SUBNETS, List.of(UNDERLAY_B.localIp()))), nics,
                List.of(new RemoteNic("port-g3", "52:54:00:31:00:13", List.of("10.31.0.13"), NET1, UNDERLAY_B.localIp(),
                        List.of("default"))),
                List.of(SecurityGroup.scsDefault("default"), WEB), List.of(router));
    }

    /** Node b: g3 (default group), g1 and g2 behind node a, and a router without uplink. */
    static NodeNetworkSpec specB() {
        return new NodeNetworkSpec(UNDERLAY_B, List.of(new Segment(NET1, 301, SUBNETS, List.of(UNDERLAY.localIp()))),
                List.of(new NicPort("port-g3", prefix + "g3", "52:54:00:31:00:13", List.of("10.31.0.13"), NET1,
                        List.of("default"))),
                List.of(new RemoteNic("port-g1", "52:54:00:30:00:11", List.of("10.30.0.11"), NET1, UNDERLAY.localIp(),
                                List.of("default")),
                        new RemoteNic("port-g2", "52:54:00:30:00:12", List.of("10.30.0.12"), NET1, UNDERLAY.localIp(),
                                List.of("default"))),
                List.of(SecurityGroup.scsDefault("default")), List.of(Router.internal(NET1)));
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        String pause = System.getenv("SOVRA_NET_IT_PAUSE");
        if (pause != null && !pause.isBlank() && node != null) {
            System.out.println("pausing " + pause + " s before cleanup; prefix=" + prefix + " dir=" + baseDir);
            Thread.sleep(Long.parseLong(pause) * 1000);
        }
        for (QemuGuest guest : new QemuGuest[] {g1, g2, g3}) {
            if (guest != null) {
                guest.close();
            }
        }
        if (peerService != null) {
            peerService.destroyForcibly().waitFor();
        }
        if (outside != null) {
            OvsNode.HOST.run(List.of("ip", "netns", "del", outside), Duration.ofSeconds(10));
        }
        for (OvsdbClient c : new OvsdbClient[] {client, clientB}) {
            if (c != null) {
                c.close();
            }
        }
        for (OvsNode n : new OvsNode[] {node, nodeB}) {
            if (n != null) {
                n.close();
            }
        }
        if (baseDir != null) {
            OvsNode.deleteTree(baseDir);
        }
    }

    @Test
    @Order(1)
    void theOutsideReachesAGuestByItsPublicIpOnlyWhereItsSecurityGroupAllows() {
        long echoes = g1.icmpEchoRequestsReceived();
        assertFalse(outsidePing(G1_PUBLIC).ok(), "the default group denies ingress from outside");
        assertEquals(echoes, g1.icmpEchoRequestsReceived(), "no echo request from outside reached g1");
        assertFalse(outsideTcp(G1_PUBLIC, 8080).output().contains("hello-g1"), "nor TCP");

        plane.apply(spec(List.of("default", "web"), true, true));
        HostCommands.Result ping = outsidePing(G1_PUBLIC);
        assertTrue(ping.ok(), () -> "ICMP from outside is allowed now: " + ping.stdout() + diagnostics());
        assertTrue(ping.stdout().contains("from " + G1_PUBLIC), "the replies come from the public IP: " + ping.stdout());
        assertTrue(g1.icmpEchoRequestsReceived() > echoes, "g1 itself answered");
        assertTrue(outsideTcp(G1_PUBLIC, 8080).output().contains("hello-g1"), "TCP 8080 from outside reaches g1");
        assertFalse(outsidePing("10.30.0.11").ok(), "the private address is not reachable from outside");
    }

    @Test
    @Order(2)
    void guestsReachTheOutsideWithTheirPublicIpOrTheRoutersAddressAsSource() {
        assertEquals("peer=" + G1_PUBLIC, askPeer(g1), "g1 goes out as its public IP");
        assertEquals("peer=" + ROUTER_IP, askPeer(g2), "g2 goes out as the router's address (SNAT)");
        assertTrue(g2.ping(OUTSIDE_IP, 2), "ICMP too");
    }

    @Test
    @Order(3)
    void withoutTheInternetGatewayNothingLeavesAndWithoutThePublicIpNothingComesIn() {
        plane.apply(spec(List.of("default", "web"), false, true));
        assertEquals("", askPeer(g2), "no internet route: g2 cannot reach the outside");
        assertEquals("", askPeer(g1), "nor can g1 start a connection out, public IP or not");
        assertTrue(g2.ping("10.30.0.1", 2), "the gateway itself still answers");
        assertTrue(outsidePing(G1_PUBLIC).ok(), "the public IP still takes connections in");

        plane.apply(spec(List.of("default", "web"), true, false));
        assertFalse(outsidePing(G1_PUBLIC).ok(), "the public IP is gone");
        assertEquals("peer=" + ROUTER_IP, askPeer(g1), "g1 now goes out behind the router's address");

        NodeNetworkSpec internal = spec(List.of("default", "web"), false, false).withRouters(List.of(Router.internal(NET1)));
        plane.apply(internal);
        assertFalse(linkExists("svx301"), "no external leg without an external address");
        assertEquals("", askPeer(g2), "and no way out");
        assertTrue(g2.ping("10.30.0.1", 2), "the router still answers on the gateway address");

        plane.apply(spec(List.of("default", "web"), true, true));
        assertEquals("peer=" + ROUTER_IP, askPeer(g2), "the gateway is back");
        assertTrue(outsidePing(G1_PUBLIC).ok(), "and the public IP");
    }

    @Test
    @Order(4)
    void aRouteTableSendsTheSubnetsTrafficForADestinationToAGuestActingAsNextHop() {
        long strays = inAddrErrors(g1);
        assertFalse(g2.ping("198.51.100.7", 2), "nothing answers there");
        assertEquals(strays, inAddrErrors(g1), "without the route the packets go to the uplink, not to g1");

        NodeNetworkSpec routed = spec(List.of("default", "web"), true, true);
        Router router = routed.routers().get(0);
        plane.apply(routed.withRouters(List.of(router.withNextHopRoutes(
                List.of(new NextHopRoute("10.30.0.0/24", "198.51.100.0/24", "10.30.0.11"))))));
        assertFalse(g2.ping("198.51.100.7", 3), "g1 does not forward");
        assertTrue(inAddrErrors(g1) >= strays + 3, "g1 received g2's packets for 198.51.100.7 (a next hop that does not "
                + "forward counts them as InAddrErrors): " + strays + " -> " + inAddrErrors(g1));
        assertEquals("peer=" + ROUTER_IP, askPeer(g2), "other destinations still take the internet gateway");

        plane.apply(routed);
        long before = inAddrErrors(g1);
        assertFalse(g2.ping("198.51.100.7", 2));
        assertEquals(before, inAddrErrors(g1), "the route is gone");
    }

    /** Packets g1's kernel received for an address that is not its own (/proc/net/snmp Ip InAddrErrors). */
    private static long inAddrErrors(QemuGuest guest) {
        return Long.parseLong(guest.run("awk '/^Ip:/{n++; if(n==1) for(i=1;i<=NF;i++) h[i]=$i; else for(i=1;i<=NF;i++) "
                + "if(h[i]==\"InAddrErrors\") print $i}' /proc/net/snmp").output().strip());
    }

    @Test
    @Order(5)
    void guestsInTwoSubnetsOnTwoNodesAreRoutedByTheirOwnNodesRouter() {
        long g3Echoes = g3.icmpEchoRequestsReceived();
        assertTrue(g1.ping("10.31.0.13", 3), () -> "g1 (node a, 10.30.0.0/24) -> g3 (node b, 10.31.0.0/24)" + diagnostics());
        assertTrue(g3.icmpEchoRequestsReceived() >= g3Echoes + 3, "g3 answered itself");
        assertTrue(g3.ping("10.30.0.11", 3), "and back: g3's gateway is node b's router");
        assertTrue(g3.run("ip neigh").output().lines().anyMatch(l -> l.startsWith("10.31.0.1 ") && l.contains("02:5e:00:01:2d:01")),
                "g3's gateway MAC is the network's router MAC: " + g3.run("ip neigh").output());
        assertFalse(g3.ping(OUTSIDE_IP, 2), "node b's router has no uplink");
    }

    @Test
    @Order(6)
    void aRestartedAgentAdoptsTheRouterWithoutDuplicatesAndRepairsIt() {
        NodeNetworkSpec spec = spec(List.of("default", "web"), true, true);
        HashSet<String> flows = new HashSet<>(plane.dumpFlows());
        String rules = routerRules();
        try (OvsdbClient fresh = node.connect()) {
            NetworkPlane restarted = new NetworkPlane(fresh, node.planeConfig().withUplinkBridge(UPLINK));
            ApplyResult again = restarted.apply(spec);
            System.out.println("apply after an agent restart, router adopted, nothing to change: " + again.took().toMillis()
                    + " ms; once more: " + restarted.apply(spec).took().toMillis() + " ms");
            assertEquals(0, again.portsAdded() + again.portsRemoved(), "nothing re-created: " + again);
            assertEquals(flows, new HashSet<>(restarted.dumpFlows()));
            assertEquals(rules, routerRules(), "the same iptables rules, none duplicated");
            assertEquals(1, routerNamespaces(node).size(), routerNamespaces(node).toString());

            // Meanwhile someone deleted the external leg and the NAT rules and turned forwarding off (or the agent
            // died right after creating the namespace): the next apply repairs all of it.
            node.ip("link", "del", "svx301");
            OvsNode.check(List.of("ip", "netns", "exec", routerNamespaces(node).get(0), "iptables", "-t", "nat", "-F"));
            OvsNode.check(List.of("ip", "netns", "exec", routerNamespaces(node).get(0), "sysctl", "-q", "-w",
                    "net.ipv4.ip_forward=0"));
            restarted.apply(spec);
        }
        assertEquals("peer=" + G1_PUBLIC, askPeer(g1), "repaired");
        assertTrue(outsidePing(G1_PUBLIC).ok(), "repaired inbound");
    }

    @Test
    @Order(7)
    void anEmptySpecRemovesTheRouterAndEverythingElse() {
        int baseline = PipelineRenderer.render(NodeNetworkSpec.empty(UNDERLAY),
                new OpenFlowPorts(Map.of(), Map.of(), Map.of())).size();
        plane.apply(NodeNetworkSpec.empty(UNDERLAY));
        planeB.apply(NodeNetworkSpec.empty(UNDERLAY_B));
        assertEquals("", node.vsctl("list-ports", "br-int").strip(), "no port left on br-int");
        assertEquals("", nodeB.vsctl("list-ports", "br-int").strip(), "no port left on node b's br-int");
        assertEquals(baseline, planeB.dumpFlows().size(), "only the baseline flows on node b");
        assertEquals(baseline, plane.dumpFlows().size(), "only the baseline flows: " + plane.dumpFlows());
        assertEquals(List.of(), routerNamespaces(node), "no router namespace left");
        assertEquals(List.of(), routerNamespaces(nodeB), "on either node");
        assertFalse(linkExists("svr301") || linkExists("svx301"), "no router veth left");
        assertTrue(node.ip("-o", "link", "show", "master", UPLINK).strip().lines()
                .allMatch(l -> l.contains(prefix + "p")), "only the outside's cable on the uplink bridge");
        assertFalse(outsidePing(G1_PUBLIC).ok());
    }

    private static HostCommands.Result outsidePing(String address) {
        return OvsNode.HOST.run(List.of("ip", "netns", "exec", outside, "ping", "-c", "2", "-W", "2", address),
                Duration.ofSeconds(15));
    }

    private static QemuGuest.Run outsideTcp(String address, int port) {
        HostCommands.Result result = OvsNode.HOST.run(List.of("ip", "netns", "exec", outside, "busybox", "nc", "-w", "3",
                address, Integer.toString(port)), Duration.ofSeconds(15));
        return new QemuGuest.Run(result.exitCode(), result.stdout());
    }

    /** What the outside's service saw as the guest's address ("" if the guest could not connect). */
    private static String askPeer(QemuGuest guest) {
        return guest.run("timeout 5 nc " + OUTSIDE_IP + " 9000 </dev/null", Duration.ofSeconds(15)).output().lines()
                .filter(l -> l.startsWith("peer=")).findFirst().orElse("");
    }

    private static boolean linkExists(String device) {
        return OvsNode.HOST.run(List.of("ip", "-n", node.netns(), "link", "show", "dev", device), Duration.ofSeconds(5)).ok();
    }

    private static List<String> routerNamespaces(OvsNode of) {
        return OvsNode.check(List.of("ip", "netns", "list")).stdout().lines().map(l -> l.trim().split("\\s+")[0])
                .filter(ns -> ns.startsWith(of.netns() + "-rtr-")).toList();
    }

    private static String routerRules() {
        return OvsNode.check(List.of("ip", "netns", "exec", routerNamespaces(node).get(0), "iptables-save")).stdout().lines()
                .filter(l -> !l.startsWith("#") && !l.startsWith(":")).reduce("", (a, b) -> a + b + "\n");
    }

    private static String diagnostics() {
        return "\n" + node.vsctl("show") + String.join("\n", OvsNode.check(List.of("ovs-ofctl", "-O", "OpenFlow14",
                "dump-flows", "unix:" + node.dir().resolve("br-int.mgmt"))).stdout().lines().toList());
    }
}
