package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import dev.sovra.agent.network.ClusterLayout.Network;
import dev.sovra.agent.network.ClusterLayout.Nic;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.network.spec.SecurityGroup;
import dev.sovra.agent.network.spec.Subnet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
    static void tearDown() {
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
