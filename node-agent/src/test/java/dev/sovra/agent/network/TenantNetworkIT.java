package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import dev.sovra.agent.network.ClusterLayout.Network;
import dev.sovra.agent.network.ClusterLayout.Nic;
import dev.sovra.agent.network.flows.OpenFlowPorts;
import dev.sovra.agent.network.flows.PipelineRenderer;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.PortRange;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The tenant data plane end to end: two emulated hypervisors ({@link OvsNode}: own namespace, own OVS, userspace
 * datapath) joined by an underlay, real QEMU guests on both, and {@link NetworkPlane} on each node driven by the
 * spec a controller would send ({@link ClusterLayout#specFor}). Everything is observed from inside the guests.
 *
 * <p>Guests: a1 (node a) and b1 (node b) in network net1, a3 (node a, net1) taking its address by DHCP at boot,
 * and b2 (node b) in net2 that uses the same subnet and even b1's address.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantNetworkIT {
    private static final Duration BOOT = Duration.ofSeconds(90);
    private static final String NET1 = "net1";
    private static final String NET2 = "net2";
    private static final String SUBNET = "10.10.0.0/24";

    static String prefix;
    static Path baseDir;
    static OvsNode nodeA;
    static OvsNode nodeB;
    static OvsdbClient clientA;
    static OvsdbClient clientB;
    static NetworkPlane planeA;
    static NetworkPlane planeB;
    static ClusterLayout layout;
    static QemuGuest a1;
    static QemuGuest b1;
    static QemuGuest b2;
    static QemuGuest a3;
    static TestGuest.Guest image;

    @BeforeAll
    static void setUp() throws Exception {
        image = NetworkSystemTest.require();
        prefix = NetworkSystemTest.randomPrefix();
        baseDir = Files.createTempDirectory(Path.of("/var/tmp"), "sovra-net-it-");
        nodeA = OvsNode.start(prefix, "a", baseDir);
        nodeB = OvsNode.start(prefix, "b", baseDir);
        Underlay.connect(prefix, nodeA, "198.18.7.1", nodeB, "198.18.7.2");
        clientA = nodeA.connect();
        clientB = nodeB.connect();
        planeA = new NetworkPlane(clientA, nodeA.planeConfig());
        planeB = new NetworkPlane(clientB, nodeB.planeConfig());

        Subnet subnet = new Subnet(SUBNET, "10.10.0.1", "10.10.0.2");
        layout = new ClusterLayout(Map.of("a", "198.18.7.1", "b", "198.18.7.2"), TunnelType.VXLAN,
                List.of(new Network(NET1, 101, List.of(subnet)), new Network(NET2, 202, List.of(subnet))),
                List.of(
                        nic("a1", "a", "52:54:00:10:00:11", "10.10.0.11", NET1),
                        nic("b1", "b", "52:54:00:10:00:12", "10.10.0.12", NET1),
                        nic("a3", "a", "52:54:00:10:00:13", "10.10.0.13", NET1),
                        nic("b2", "b", "52:54:00:20:00:12", "10.10.0.12", NET2)),
                List.of(SecurityGroup.scsDefault("default")));
        applyBoth();

        a1 = QemuGuest.start(nodeA, prefix + "a1", "52:54:00:10:00:11", "10.10.0.11/24", image);
        b1 = QemuGuest.start(nodeB, prefix + "b1", "52:54:00:10:00:12", "10.10.0.12/24", image);
        b2 = QemuGuest.start(nodeB, prefix + "b2", "52:54:00:20:00:12", "10.10.0.12/24", image);
        a3 = QemuGuest.start(nodeA, prefix + "a3", "52:54:00:10:00:13", null, image);
        applyBoth(); // binds the taps QEMU just created
        for (QemuGuest guest : List.of(a1, b1, b2, a3)) {
            guest.awaitReady(BOOT);
        }
    }

    private static Nic nic(String name, String node, String mac, String ip, String network) {
        return new Nic("port-" + name, node, prefix + name, mac, List.of(ip), network, List.of("default"));
    }

    static void applyBoth() {
        System.out.println("apply node a: " + planeA.apply(layout.specFor("a")));
        System.out.println("apply node b: " + planeB.apply(layout.specFor("b")));
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        // For debugging: SOVRA_NET_IT_PAUSE=<seconds> keeps nodes and guests up for inspection before cleanup.
        String pause = System.getenv("SOVRA_NET_IT_PAUSE");
        if (pause != null && !pause.isBlank() && nodeA != null) {
            System.out.println("pausing " + pause + " s before cleanup; prefix=" + prefix + " dir=" + baseDir);
            Thread.sleep(Long.parseLong(pause) * 1000);
        }
        for (QemuGuest guest : new QemuGuest[] {a1, b1, b2, a3}) {
            if (guest != null) {
                guest.close();
            }
        }
        for (OvsdbClient client : new OvsdbClient[] {clientA, clientB}) {
            if (client != null) {
                client.close();
            }
        }
        for (OvsNode node : new OvsNode[] {nodeA, nodeB}) {
            if (node != null) {
                node.close();
            }
        }
        if (baseDir != null) {
            OvsNode.deleteTree(baseDir);
        }
    }

    @Test
    @Order(1)
    void guestsOfOneNetworkOnTwoNodesPingEachOther() {
        assertTrue(a1.ping("10.10.0.12", 3), () -> "a1 -> b1 across the tunnel\n" + diagnostics());
        assertTrue(b1.ping("10.10.0.11", 3), "b1 -> a1");
    }

    @Test
    @Order(2)
    void geneveCarriesTheSegmentsToo() {
        layout = layout.withTunnelType(TunnelType.GENEVE);
        applyBoth();
        assertTrue(nodeA.vsctl("show").contains("type: geneve"), nodeA.vsctl("show"));
        assertFalse(nodeA.vsctl("show").contains("type: vxlan"), "the VXLAN port is gone");
        assertTrue(a1.ping("10.10.0.12", 3), "a1 -> b1 over Geneve");
        layout = layout.withTunnelType(TunnelType.VXLAN);
        applyBoth();
        assertTrue(a1.ping("10.10.0.12", 3), "and over VXLAN again");
    }

    @Test
    @Order(3)
    void anotherNetworkWithTheSameSubnetIsIsolatedIncludingArpAndBroadcast() {
        long a1Echoes = a1.icmpEchoRequestsReceived();
        assertFalse(b2.ping("10.10.0.11", 2), "b2 (net2) must not reach a1 (net1)");
        assertEquals(a1Echoes, a1.icmpEchoRequestsReceived(), "no echo request from net2 arrived at a1");

        // b1 and b2 both have 10.10.0.12: a1's broadcast ARP request may only be answered by b1 (same network).
        QemuGuest.Run arp = a1.run("arping -c 3 -w 6 -I eth0 10.10.0.12", Duration.ofSeconds(20));
        assertEquals(List.of("52:54:00:10:00:12"), arpResponders(arp.output()), arp.output());
        QemuGuest.Run arp2 = b2.run("arping -c 2 -w 4 -I eth0 10.10.0.11", Duration.ofSeconds(20));
        assertEquals(List.of(), arpResponders(arp2.output()), "net2 must not see net1's a1: " + arp2.output());
        assertTrue(b2.ping("10.10.0.2", 2), "while b2 does reach its own network (net2's DHCP server on node b)");
    }

    @Test
    @Order(4)
    void spoofedSourceAddressesAreDropped() {
        assertTrue(a1.ping("10.10.0.12", 1), "baseline");
        // Forged IP: a1 adds an address that is not its own and pings from it.
        a1.run("ip addr add 10.10.0.99/24 dev eth0");
        long echoes = b1.icmpEchoRequestsReceived();
        assertFalse(a1.run("ping -c 3 -W 1 -I 10.10.0.99 10.10.0.12", Duration.ofSeconds(15)).ok());
        assertEquals(echoes, b1.icmpEchoRequestsReceived(), "no echo request from a forged IP may arrive");
        a1.run("ip addr del 10.10.0.99/24 dev eth0");

        // Forged MAC (with b1's MAC pinned, so this is about the Ethernet source, not ARP).
        a1.run("ip link set eth0 down; ip link set eth0 address 52:54:00:66:66:66; ip link set eth0 up; "
                + "ip neigh replace 10.10.0.12 lladdr 52:54:00:10:00:12 dev eth0 nud permanent");
        echoes = b1.icmpEchoRequestsReceived();
        assertFalse(a1.ping("10.10.0.12", 3));
        assertEquals(echoes, b1.icmpEchoRequestsReceived(), "no echo request from a forged MAC may arrive");

        a1.run("ip link set eth0 down; ip link set eth0 address 52:54:00:10:00:11; ip link set eth0 up; "
                + "ip neigh del 10.10.0.12 dev eth0");
        assertTrue(a1.ping("10.10.0.12", 3), "with its own MAC again a1 gets through");
        assertTrue(b1.icmpEchoRequestsReceived() > echoes, "and b1 counts its echo requests");
    }

    @Test
    @Order(5)
    void dhcpHandsOutTheReservedAddressesWithNoManualStep() {
        assertEquals("10.10.0.13/24", a3.reportedAddress(), "a3 booted without an address: DHCP\n" + a3.console());
        assertTrue(a3.run("ip route").output().contains("default via 10.10.0.1"), "the subnet's gateway as router");
        assertTrue(a3.ping("10.10.0.12", 3), "a3 (DHCP) reaches b1 on the other node");
        assertTrue(a3.run("ip link show eth0").output().contains("mtu 1450"), "DHCP hands out the tenant MTU");
        assertTrue(a3.run("ping -c 2 -W 2 -s 1422 10.10.0.12", Duration.ofSeconds(15)).ok(),
                "a full-size 1450-byte packet fits the tunnel");

        QemuGuest.Run renew = a1.run("udhcpc -i eth0 -n -q -t 5 -T 1 -s /bin/udhcpc-script", Duration.ofSeconds(30));
        assertTrue(renew.output().contains("lease of 10.10.0.11 obtained"), "a1's reservation: " + renew.output());
    }

    @Test
    @Order(6)
    void securityGroupAllowsOnlyTcp22FromOneCidrAndRuleRemovalCutsItsConnectionsOnly() throws Exception {
        // Servers on b1: port 22 greets and then echoes, port 2323 echoes.
        b1.run("printf '#!/bin/sh\\necho hello-22\\nexec cat\\n' > /tmp/hello && chmod +x /tmp/hello; "
                + "nc -ll -p 22 -e /tmp/hello >/dev/null 2>&1 & nc -ll -p 2323 -e /bin/cat >/dev/null 2>&1 &");
        assertTrue(a3.ping("10.10.0.12", 1), "baseline: b1 in the default group accepts the group's members");

        // b1 only in "ssh": TCP 22 and 2323 from a3's /32, nothing else in; all egress (scs-0115 custom group).
        SecurityRule ssh = SecurityRule.ingress(Protocol.TCP, PortRange.single(22), "10.10.0.13/32");
        SecurityRule stream = SecurityRule.ingress(Protocol.TCP, PortRange.single(2323), "10.10.0.13/32");
        setB1Groups(SecurityGroup.scsCustom("ssh", List.of(ssh, stream)));

        long echoes = b1.icmpEchoRequestsReceived();
        assertFalse(a3.ping("10.10.0.12", 2), "ICMP is not allowed");
        assertEquals(echoes, b1.icmpEchoRequestsReceived(), "no echo request reached b1");
        assertTrue(connect(a3, 22), "TCP/22 from 10.10.0.13 passes");
        assertFalse(connect(a1, 22), "TCP/22 from 10.10.0.11 (outside the CIDR) does not");

        // Two long-lived connections from a3, then the TCP/22 rule goes away while 2323 stays allowed.
        startStream(a3, 22);
        startStream(a3, 2323);
        awaitLines(a3, 22, 5);
        awaitLines(a3, 2323, 5);
        ApplyResult removal = setB1Groups(SecurityGroup.scsCustom("ssh", List.of(stream)));
        System.out.println("rule removal applied in " + removal.took().toMillis() + " ms");
        assertFalse(connect(a3, 22), "a new TCP/22 connection right after the apply is cut");
        assertTrue(removal.took().toMillis() < 1000, "rule change applied within a second: " + removal.took());

        int stream2323 = lineCount(a3, 2323);
        int stream22 = lineCount(a3, 22);
        Thread.sleep(2000);
        assertTrue(lineCount(a3, 2323) >= stream2323 + 5,
                "the established 2323 connection, still allowed, kept flowing: " + stream2323 + " -> " + lineCount(a3, 2323));
        assertEquals(stream22, lineCount(a3, 22), "the established TCP/22 connection, no longer allowed, stopped");
        List<String> numbers = a3.run("cat /tmp/stream-2323").output().lines().map(String::strip)
                .filter(l -> !l.isEmpty()).toList();
        for (int i = 0; i < numbers.size(); i++) {
            assertEquals(Integer.toString(i), numbers.get(i), "one unbroken 2323 connection, no gap or restart");
        }
        a3.run("pkill -f 'nc 10.10.0.12' 2>/dev/null; true");

        setB1Groups(SecurityGroup.scsDefault("default"));
        assertTrue(a3.ping("10.10.0.12", 2), "back in the default group");
    }

    /** Puts b1 into {@code group} only (plus keeps the others' default group) and applies both nodes. */
    private static ApplyResult setB1Groups(SecurityGroup group) {
        List<Nic> nics = new ArrayList<>();
        for (Nic nic : layout.nics()) {
            nics.add(nic.portId().equals("port-b1") ? nic.withSecurityGroups(List.of(group.id())) : nic);
        }
        List<SecurityGroup> groups = new ArrayList<>(List.of(SecurityGroup.scsDefault("default")));
        if (!group.id().equals("default")) {
            groups.add(group);
        }
        layout = layout.withNics(nics).withSecurityGroups(groups);
        planeA.apply(layout.specFor("a"));
        return planeB.apply(layout.specFor("b"));
    }

    /** Whether {@code guest} can open a TCP connection to b1:{@code port} and read the server's greeting. */
    private static boolean connect(QemuGuest guest, int port) {
        QemuGuest.Run run = guest.run("timeout 3 nc 10.10.0.12 " + port + " </dev/null", Duration.ofSeconds(15));
        return run.output().contains("hello-22");
    }

    /** A connection from {@code guest} to b1:{@code port} that sends a counter every 0.2 s; echoes go to a file. */
    private static void startStream(QemuGuest guest, int port) {
        guest.run("(i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done) | nc 10.10.0.12 " + port
                + " > /tmp/stream-" + port + " 2>&1 &");
    }

    private static int lineCount(QemuGuest guest, int port) {
        return Integer.parseInt(guest.run("wc -l < /tmp/stream-" + port).output().strip());
    }

    private static void awaitLines(QemuGuest guest, int port, int lines) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (lineCount(guest, port) < lines) {
            assertTrue(System.nanoTime() < deadline, "stream to " + port + " did not start: "
                    + guest.run("cat /tmp/stream-" + port).output());
            Thread.sleep(200);
        }
    }

    @Test
    @Order(7)
    void restartedAgentConvergesWithoutDuplicatesAndRepairsWhatWasBrokenMeanwhile() throws Exception {
        Set<String> flowsBefore = new HashSet<>(planeA.dumpFlows());
        List<String> portsBefore = listPorts(nodeA);
        String dnsmasqPid = Files.readString(nodeA.planeConfig().stateDir().resolve("dhcp-101.pid")).strip();

        // The agent dies (its OVSDB connection with it) and a new one starts from nothing but the spec.
        clientA.close();
        clientA = nodeA.connect();
        planeA = new NetworkPlane(clientA, nodeA.planeConfig());
        ApplyResult restart = planeA.apply(layout.specFor("a"));
        System.out.println("apply after restart: " + restart);
        assertEquals(0, restart.portsAdded() + restart.portsRemoved() + restart.portsRebound()
                + restart.dhcpServersRemoved(), restart.toString());
        assertEquals(flowsBefore, new HashSet<>(planeA.dumpFlows()), "the same flows, none added or lost");
        assertEquals(flowsBefore.size(), planeA.dumpFlows().size(), "no duplicate flows");
        assertEquals(portsBefore, listPorts(nodeA), "the same ports, none duplicated");
        assertEquals(dnsmasqPid, Files.readString(nodeA.planeConfig().stateDir().resolve("dhcp-101.pid")).strip(),
                "the running DHCP server is adopted, not started twice");
        assertEquals(1, dnsmasqProcesses(nodeA), "one dnsmasq for the one DHCP segment of node a");
        assertTrue(a1.ping("10.10.0.12", 2), "traffic of the running guests keeps flowing");

        // While no agent ran, the flows were wiped and the tunnel port removed: the next apply repairs both.
        OvsNode.check(List.of("ovs-ofctl", "-O", "OpenFlow14", "del-flows", "unix:" + nodeA.dir().resolve("br-int.mgmt")));
        nodeA.vsctl("del-port", "br-int", "vxc6120702");
        assertFalse(a1.ping("10.10.0.12", 1), "broken for now");
        ApplyResult repair = planeA.apply(layout.specFor("a"));
        assertEquals(1, repair.portsAdded(), repair.toString());
        assertEquals(flowsBefore, new HashSet<>(planeA.dumpFlows()));
        assertEquals(portsBefore, listPorts(nodeA));
        assertTrue(a1.ping("10.10.0.12", 3), "traffic recovers");
    }

    @Test
    @Order(8)
    void restartedGuestIsReboundToItsNewTap() throws Exception {
        b1.close();
        b1 = QemuGuest.start(nodeB, prefix + "b1", "52:54:00:10:00:12", "10.10.0.12/24", image);
        ApplyResult rebind = planeB.apply(layout.specFor("b"));
        assertEquals(1, rebind.portsRebound(), "same tap name, new device: " + rebind);
        b1.awaitReady(BOOT);
        assertTrue(a1.ping("10.10.0.12", 3), "a1 reaches the restarted b1");
        assertEquals(0, planeB.apply(layout.specFor("b")).portsRebound(), "and the next apply leaves it alone");
    }

    @Test
    @Order(9)
    void programmingANicWith50SecurityGroupRules() {
        List<SecurityRule> rules = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rules.add(SecurityRule.ingress(Protocol.TCP, PortRange.single(10000 + i), "10." + (100 + i) + ".0.0/16"));
        }
        SecurityGroup fifty = new SecurityGroup("fifty", rules);
        String tap = prefix + "m1";
        nodeA.ip("tuntap", "add", "dev", tap, "mode", "tap");
        nodeA.ip("link", "set", tap, "up");
        ClusterLayout before = layout;
        List<Nic> nics = new ArrayList<>(layout.nics());
        nics.add(new Nic("port-m1", "a", tap, "52:54:00:10:00:50", List.of("10.10.0.50"), NET1, List.of("fifty")));
        List<SecurityGroup> groups = new ArrayList<>(layout.securityGroups());
        groups.add(fifty);
        layout = layout.withNics(nics).withSecurityGroups(groups);
        int flowsBefore = planeA.dumpFlows().size();

        ApplyResult added = planeA.apply(layout.specFor("a"));
        int ofport = Integer.parseInt(nodeA.vsctl("get", "interface", tap, "ofport").strip());
        // ovs-ofctl prints registers in hex.
        long ruleFlows = planeA.dumpFlows().stream().filter(f -> f.contains("table=41")
                && f.contains("reg7=0x" + Integer.toHexString(ofport) + ",") && f.contains("tp_dst=")).count();
        System.out.printf("programming a NIC with 50 security group rules: %d ms (port + %d flows, %d of them its rules)%n",
                added.took().toMillis(), added.flows() - flowsBefore, ruleFlows);
        assertEquals(50, ruleFlows);

        // The same 50 rules onto a NIC that exists already (only flows change).
        layout = layout.withNics(layout.nics().stream().map(n -> n.portId().equals("port-m1")
                ? n.withSecurityGroups(List.of("default")) : n).toList());
        planeA.apply(layout.specFor("a"));
        layout = layout.withNics(layout.nics().stream().map(n -> n.portId().equals("port-m1")
                ? n.withSecurityGroups(List.of("fifty")) : n).toList());
        ApplyResult rulesOnly = planeA.apply(layout.specFor("a"));
        System.out.printf("adding 50 security group rules to a bound NIC: %d ms%n", rulesOnly.took().toMillis());

        layout = before;
        ApplyResult removed = planeA.apply(layout.specFor("a"));
        assertEquals(1, removed.portsRemoved());
        assertEquals(flowsBefore, planeA.dumpFlows().size(), "its flows are gone");
        nodeA.ip("link", "del", tap);
    }

    @Test
    @Order(10)
    void emptySpecLeavesNothingButTheBaseline() {
        int baseline = PipelineRenderer.render(NodeNetworkSpec.empty(layout.specFor("a").underlay()),
                new OpenFlowPorts(Map.of(), Map.of(), Map.of())).size();
        for (OvsNode node : List.of(nodeA, nodeB)) {
            NetworkPlane plane = node == nodeA ? planeA : planeB;
            ApplyResult result = plane.apply(NodeNetworkSpec.empty(layout.specFor(node.name()).underlay()));
            System.out.println("apply empty on node " + node.name() + ": " + result);
            assertEquals(List.of(), listPorts(node), "no ports left on br-int of node " + node.name());
            assertEquals(baseline, plane.dumpFlows().size(), "only the baseline flows: " + plane.dumpFlows());
            assertEquals(0, dnsmasqProcesses(node), "no DHCP server left");
            String namespaces = OvsNode.check(List.of("ip", "netns", "list")).stdout();
            assertFalse(namespaces.contains(node.netns() + "-"), "no DHCP namespace left: " + namespaces);
            String show = node.vsctl("show");
            assertFalse(show.contains("vxlan") || show.contains(prefix + "a") || show.contains(prefix + "b"), show);
        }
    }

    private static List<String> listPorts(OvsNode node) {
        return node.vsctl("list-ports", "br-int").lines().filter(l -> !l.isBlank()).sorted().toList();
    }

    /** dnsmasq processes started by the node's plane (found by their pid file path in the state directory). */
    private static long dnsmasqProcesses(OvsNode node) {
        String marker = "--pid-file=" + node.planeConfig().stateDir();
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ')
                        .contains(marker);
            } catch (java.io.IOException e) {
                return false;
            }
        }).count();
    }

    /** The MACs that answered an arping, normalised (busybox prints ether_ntoa style, without leading zeros). */
    static List<String> arpResponders(String arpingOutput) {
        Matcher m = Pattern.compile("reply from \\S+ \\[([0-9A-Fa-f:]+)\\]").matcher(arpingOutput);
        List<String> macs = new ArrayList<>();
        while (m.find()) {
            StringBuilder mac = new StringBuilder();
            for (String octet : m.group(1).split(":")) {
                mac.append(mac.length() == 0 ? "" : ":").append(String.format("%02x", Integer.parseInt(octet, 16)));
            }
            if (!macs.contains(mac.toString())) {
                macs.add(mac.toString());
            }
        }
        return macs;
    }

    static String diagnostics() {
        StringBuilder text = new StringBuilder();
        for (OvsNode node : List.of(nodeA, nodeB)) {
            text.append("== node ").append(node.name()).append('\n').append(node.vsctl("show"))
                    .append(String.join("\n", OvsNode.check(List.of("ovs-ofctl", "-O", "OpenFlow14", "dump-flows",
                            "unix:" + node.dir().resolve("br-int.mgmt"))).stdout().lines().toList()))
                    .append('\n');
        }
        return text.toString();
    }
}
