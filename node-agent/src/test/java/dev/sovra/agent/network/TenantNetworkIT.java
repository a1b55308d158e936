package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import dev.sovra.agent.network.ClusterLayout.Network;
import dev.sovra.agent.network.ClusterLayout.Nic;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.network.spec.PortRange;
import dev.sovra.agent.network.spec.Protocol;
import dev.sovra.agent.network.spec.SecurityGroup;
import dev.sovra.agent.network.spec.SecurityRule;
import dev.sovra.agent.network.spec.Subnet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    @BeforeAll
    static void setUp() throws Exception {
        TestGuest.Guest image = NetworkSystemTest.require();
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
        layout = new ClusterLayout(Map.of("a", "198.18.7.1", "b", "198.18.7.2"),
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
    @Order(3)
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
    @Order(4)
    void dhcpHandsOutTheReservedAddressesWithNoManualStep() {
        assertEquals("10.10.0.13/24", a3.reportedAddress(), "a3 booted without an address: DHCP\n" + a3.console());
        assertTrue(a3.run("ip route").output().contains("default via 10.10.0.1"), "the subnet's gateway as router");
        assertTrue(a3.ping("10.10.0.12", 3), "a3 (DHCP) reaches b1 on the other node");

        QemuGuest.Run renew = a1.run("udhcpc -i eth0 -n -q -t 5 -T 1 -s /bin/udhcpc-script", Duration.ofSeconds(30));
        assertTrue(renew.output().contains("lease of 10.10.0.11 obtained"), "a1's reservation: " + renew.output());
    }

    @Test
    @Order(5)
    void securityGroupAllowsOnlyTcp22FromOneCidrAndRuleRemovalCutsNewConnections() throws Exception {
        b1.run("printf '#!/bin/sh\\necho hello-22\\n' > /tmp/hello && chmod +x /tmp/hello; "
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

        // A long-lived connection on 2323 (allowed, stays allowed) while the TCP/22 rule goes away.
        a3.run("(i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done) | nc 10.10.0.12 2323 > /tmp/stream 2>&1 &");
        awaitLines(a3, 5);
        ApplyResult removal = setB1Groups(SecurityGroup.scsCustom("ssh", List.of(stream)));
        System.out.println("rule removal applied in " + removal.took().toMillis() + " ms");
        assertFalse(connect(a3, 22), "a new TCP/22 connection right after the apply is cut");
        assertTrue(removal.took().toMillis() < 1000, "rule change applied within a second: " + removal.took());
        int before = lineCount(a3);
        Thread.sleep(2000);
        int after = lineCount(a3);
        assertTrue(after >= before + 5, "the established 2323 stream kept flowing: " + before + " -> " + after);
        String streamed = a3.run("cat /tmp/stream").output();
        List<String> numbers = streamed.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = 0; i < numbers.size(); i++) {
            assertEquals(Integer.toString(i), numbers.get(i), "one unbroken connection, no gap or restart");
        }
        a3.run("kill %1 2>/dev/null; pkill -f 'nc 10.10.0.12 2323' 2>/dev/null; true");

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
        QemuGuest.Run run = guest.run("nc -w 2 10.10.0.12 " + port + " </dev/null", Duration.ofSeconds(15));
        return run.output().contains("hello-22");
    }

    private static int lineCount(QemuGuest guest) {
        return Integer.parseInt(guest.run("wc -l < /tmp/stream").output().strip());
    }

    private static void awaitLines(QemuGuest guest, int lines) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (lineCount(guest) < lines) {
            assertTrue(System.nanoTime() < deadline, "stream did not start: " + guest.run("cat /tmp/stream").output());
            Thread.sleep(200);
        }
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
