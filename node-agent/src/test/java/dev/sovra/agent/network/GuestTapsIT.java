package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import dev.sovra.agent.network.ClusterLayout.Network;
import dev.sovra.agent.network.ClusterLayout.Nic;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An emulated host's plane (node namespace) binds a guest's tap that appeared in the agent's own namespace, as
 * libvirt makes it: the tap is moved into the node's namespace and bound there, and a restarted agent (a new plane)
 * finds it in place and changes nothing; a tap made again under the same name (the guest restarted) is moved and
 * re-bound. Real OVS in a namespace; the tap is a plain persistent one, no guest.
 */
class GuestTapsIT {
    private String prefix;
    private Path baseDir;
    private OvsNode node;
    private String tap;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestGuest.isRoot(), "skipped: needs root (network namespaces, OVS, taps)");
        prefix = NetworkSystemTest.randomPrefix();
        baseDir = Files.createTempDirectory(Path.of("/var/tmp"), "sovra-taps-it-");
        node = OvsNode.start(prefix, "a", baseDir);
        tap = prefix + "t1";
        OvsNode.check(List.of("ip", "tuntap", "add", "dev", tap, "mode", "tap"));
    }

    @AfterEach
    void tearDown() {
        if (tap != null) {
            OvsNode.HOST.run(List.of("ip", "link", "del", "dev", tap), Duration.ofSeconds(10));
        }
        if (node != null) {
            node.close(); // deletes the namespace, and the tap with it
        }
        OvsNode.deleteTree(baseDir);
    }

    @Test
    void aTapInTheAgentsNamespaceIsMovedIntoTheNodesAndBoundOnceAcrossRestarts() {
        ClusterLayout layout = new ClusterLayout(Map.of("a", "198.18.9.1"), TunnelType.VXLAN,
                List.of(new Network("net", 301, List.of(new Subnet("10.40.0.0/24", "10.40.0.1", "10.40.0.2")))),
                List.of(new Nic("port-1", "a", tap, "52:54:00:40:00:11", List.of("10.40.0.11"), "net", List.of("default"))),
                List.of(SecurityGroup.scsDefault("default")));

        ApplyResult first;
        try (OvsdbClient client = node.connect()) {
            first = new NetworkPlane(client, node.planeConfig()).apply(layout.specFor("a"));
        }
        assertFalse(OvsNode.HOST.run(List.of("ip", "link", "show", "dev", tap), Duration.ofSeconds(10)).ok(),
                "the tap left the agent's namespace");
        assertTrue(node.ip("-o", "link", "show", "dev", tap).contains("UP"), "the tap is up in the node's namespace");
        assertTrue(first.portsAdded() >= 1 && first.notOpened().isEmpty(), "the tap is bound and opened: " + first);
        String ofport = node.vsctl("get", "interface", tap, "ofport").trim();
        assertTrue(Integer.parseInt(ofport) > 0, "ovs-vswitchd opened the tap: ofport " + ofport);

        ApplyResult afterRestart;
        try (OvsdbClient client = node.connect()) {
            afterRestart = new NetworkPlane(client, node.planeConfig()).apply(layout.specFor("a"));
        }
        assertEquals(0, afterRestart.portsAdded() + afterRestart.portsRemoved() + afterRestart.portsRebound(),
                "a restarted agent changes nothing: " + afterRestart);
        assertEquals(ofport, node.vsctl("get", "interface", tap, "ofport").trim(), "the same port");

        // The guest restarts: its tap goes away and libvirt makes a new one of the same name in its own namespace.
        node.ip("link", "del", "dev", tap);
        OvsNode.check(List.of("ip", "tuntap", "add", "dev", tap, "mode", "tap"));
        ApplyResult afterGuestRestart;
        try (OvsdbClient client = node.connect()) {
            afterGuestRestart = new NetworkPlane(client, node.planeConfig()).apply(layout.specFor("a"));
        }
        assertTrue(node.ip("-o", "link", "show", "dev", tap).contains("UP"), "the new tap is in the node's namespace");
        assertEquals(1, afterGuestRestart.portsRebound(), "the port is bound to the new tap: " + afterGuestRestart);
        assertTrue(afterGuestRestart.notOpened().isEmpty(), "and opened: " + afterGuestRestart);
        assertEquals(ofport, node.vsctl("get", "interface", tap, "ofport").trim(), "with the same number, which the flows name");
        tap = null; // in the node's namespace now: deleted with it
    }
}
