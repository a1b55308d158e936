package dev.sovra.agent.network.ovsdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OvsBridges} against a real, private ovsdb-server whose database starts empty (no root row, as
 * {@code ovsdb-tool create} leaves it); results are checked with ovs-vsctl.
 */
class OvsBridgesTest {

    @TempDir
    static Path dir;
    static OvsdbServer server;
    static OvsdbClient client;
    static OvsBridges bridges;

    @BeforeAll
    static void startServer() throws Exception {
        server = OvsdbServer.start(dir);
        client = OvsdbClient.connect(server.socket(), Duration.ofSeconds(5));
        bridges = new OvsBridges(client);
        // The first bridge on the empty database also creates the root Open_vSwitch row.
        assertTrue(bridges.ensureBridge("br-first", DatapathType.NETDEV));
        assertEquals("[br-first]", server.vsctl("list-br").lines().toList().toString());
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** {@code ovs-vsctl get ...} without the quotes ovs-vsctl puts around some strings. */
    private static String get(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "get";
        System.arraycopy(args, 0, command, 1, args.length);
        String value = server.vsctl(command);
        return value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }

    private static List<String> vsctlLines(String... args) throws Exception {
        return server.vsctl(args).lines().toList();
    }

    @Test
    void ensureBridgeIsIdempotent() throws Exception {
        assertTrue(bridges.ensureBridge("br-int", DatapathType.NETDEV));
        assertFalse(bridges.ensureBridge("br-int", DatapathType.NETDEV));

        assertEquals(1, vsctlLines("list-br").stream().filter("br-int"::equals).count());
        assertEquals("netdev", server.vsctl("get", "bridge", "br-int", "datapath_type"));
        assertEquals("internal", server.vsctl("get", "interface", "br-int", "type"));
        assertEquals(1, server.vsctl("--bare", "--columns=_uuid", "find", "bridge", "name=br-int").lines()
                .filter(line -> !line.isBlank()).count());
        BridgeInfo info = bridges.bridge("br-int").orElseThrow();
        assertEquals("netdev", info.datapathType());
        assertEquals(1, info.ports().size(), "the bridge's local port");
    }

    @Test
    void ensureBridgeCorrectsTheDatapathType() throws Exception {
        server.vsctl("add-br", "br-sys");
        assertFalse(bridges.ensureBridge("br-sys", DatapathType.SYSTEM), "empty datapath_type means system");
        assertTrue(bridges.ensureBridge("br-sys", DatapathType.NETDEV));
        assertEquals("netdev", server.vsctl("get", "bridge", "br-sys", "datapath_type"));
        assertFalse(bridges.ensureBridge("br-sys", DatapathType.NETDEV));
    }

    @Test
    void addAndRemovePortShowInOvsVsctl() throws Exception {
        bridges.ensureBridge("br-ports", DatapathType.NETDEV);
        PortSpec spec = PortSpec.of("tap-a1")
                .withExternalIds(Map.of("iface-id", "nic-a1", "sovra-nic", "vm1/0"))
                .withTag(100);
        assertTrue(bridges.addPort("br-ports", spec));
        assertFalse(bridges.addPort("br-ports", spec), "second add changes nothing");

        assertEquals(List.of("tap-a1"), vsctlLines("list-ports", "br-ports"));
        assertEquals("br-ports", server.vsctl("port-to-br", "tap-a1"));
        assertEquals("100", server.vsctl("get", "port", "tap-a1", "tag"));
        assertEquals("nic-a1", get("interface", "tap-a1", "external_ids:iface-id"));
        assertEquals("vm1/0", get("port", "tap-a1", "external_ids:sovra-nic"));

        assertTrue(bridges.removePort("br-ports", "tap-a1"));
        assertFalse(bridges.removePort("br-ports", "tap-a1"), "second remove changes nothing");
        assertEquals(List.of(), vsctlLines("list-ports", "br-ports"));
        assertEquals("", server.vsctl("--bare", "--columns=name", "find", "interface", "name=tap-a1"),
                "the interface is garbage-collected with its port");
    }

    @Test
    void listPortsReturnsPortsWithExternalIds() throws Exception {
        bridges.ensureBridge("br-list", DatapathType.NETDEV);
        bridges.addPort("br-list", PortSpec.of("tap-l2").withExternalIds(Map.of("sovra-nic", "vm2/0")));
        bridges.addPort("br-list", PortSpec.of("tap-l1").withExternalIds(Map.of("sovra-nic", "vm1/0")).withTag(7));
        server.vsctl("add-port", "br-list", "foreign", "--", "set", "interface", "foreign", "external_ids:x=y");

        List<PortInfo> ports = bridges.listPorts("br-list");
        assertEquals(List.of("foreign", "tap-l1", "tap-l2"), ports.stream().map(PortInfo::name).toList());
        PortInfo l1 = ports.get(1);
        assertEquals(OptionalInt.of(7), l1.tag());
        assertEquals(Map.of("sovra-nic", "vm1/0"), l1.externalIds());
        assertEquals(1, l1.interfaces().size());
        assertEquals("tap-l1", l1.interfaces().get(0).name());
        assertEquals(Map.of("sovra-nic", "vm1/0"), l1.interfaces().get(0).externalIds());
        assertEquals(OptionalInt.empty(), ports.get(2).tag());
        assertEquals(Map.of("x", "y"), ports.get(0).interfaces().get(0).externalIds());

        OvsdbException missing = assertThrows(OvsdbException.class, () -> bridges.listPorts("br-none"));
        assertEquals(OvsdbException.Code.NOT_FOUND, missing.code());
    }

    @Test
    void addPortConvergesAnExistingPortAndKeepsForeignExternalIds() throws Exception {
        bridges.ensureBridge("br-conv", DatapathType.NETDEV);
        bridges.addPort("br-conv", PortSpec.of("tap-c1").withExternalIds(Map.of("iface-id", "old")).withTag(10));
        server.vsctl("set", "interface", "tap-c1", "external_ids:attached-mac=52:54:00:00:00:01");

        assertTrue(bridges.addPort("br-conv", PortSpec.of("tap-c1").withExternalIds(Map.of("iface-id", "new"))));
        assertEquals("[]", server.vsctl("get", "port", "tap-c1", "tag"), "no tag in the spec: untagged");
        assertEquals("new", get("interface", "tap-c1", "external_ids:iface-id"));
        assertEquals("52:54:00:00:00:01", get("interface", "tap-c1", "external_ids:attached-mac"));
        assertFalse(bridges.addPort("br-conv", PortSpec.of("tap-c1").withExternalIds(Map.of("iface-id", "new"))));
    }

    @Test
    void ofportRequestIsSetOnCreateAndConverged() throws Exception {
        bridges.ensureBridge("br-ofp", DatapathType.NETDEV);
        assertTrue(bridges.addPort("br-ofp", PortSpec.of("tap-req1").withOfportRequest(7)));
        assertEquals("7", server.vsctl("get", "interface", "tap-req1", "ofport_request"));
        assertFalse(bridges.addPort("br-ofp", PortSpec.of("tap-req1").withOfportRequest(7)));
        assertFalse(bridges.addPort("br-ofp", PortSpec.of("tap-req1")), "no request in the spec: keep the stored one");
        assertEquals("7", server.vsctl("get", "interface", "tap-req1", "ofport_request"));
        assertTrue(bridges.addPort("br-ofp", PortSpec.of("tap-req1").withOfportRequest(9)));
        assertEquals("9", server.vsctl("get", "interface", "tap-req1", "ofport_request"));
        assertThrows(IllegalArgumentException.class, () -> PortSpec.of("tap-req2").withOfportRequest(65280));
    }

    @Test
    void setAndClearPortTag() throws Exception {
        bridges.ensureBridge("br-tag", DatapathType.NETDEV);
        bridges.addPort("br-tag", PortSpec.of("tap-t1"));
        assertEquals("[]", server.vsctl("get", "port", "tap-t1", "tag"));
        bridges.setPortTag("tap-t1", 200);
        bridges.setPortTag("tap-t1", 200);
        assertEquals("200", server.vsctl("get", "port", "tap-t1", "tag"));
        bridges.clearPortTag("tap-t1");
        assertEquals("[]", server.vsctl("get", "port", "tap-t1", "tag"));

        assertEquals(OvsdbException.Code.NOT_FOUND,
                assertThrows(OvsdbException.class, () -> bridges.setPortTag("tap-none", 1)).code());
        assertThrows(IllegalArgumentException.class, () -> bridges.setPortTag("tap-t1", 4096));
    }

    @Test
    void portsOfOtherBridgesAndMissingBridgesAreRefused() throws Exception {
        bridges.ensureBridge("br-one", DatapathType.NETDEV);
        bridges.ensureBridge("br-two", DatapathType.NETDEV);
        bridges.addPort("br-one", PortSpec.of("tap-o1"));

        OvsdbException conflict = assertThrows(OvsdbException.class,
                () -> bridges.addPort("br-two", PortSpec.of("tap-o1")));
        assertEquals(OvsdbException.Code.CONFLICT, conflict.code());
        assertEquals(OvsdbException.Code.CONFLICT,
                assertThrows(OvsdbException.class, () -> bridges.removePort("br-two", "tap-o1")).code());
        assertEquals(OvsdbException.Code.NOT_FOUND,
                assertThrows(OvsdbException.class, () -> bridges.addPort("br-none", PortSpec.of("tap-x"))).code());
        assertEquals(List.of("tap-o1"), vsctlLines("list-ports", "br-one"));
        assertEquals(List.of(), vsctlLines("list-ports", "br-two"));
    }

    @Test
    void patchPortsPairTwoBridges() throws Exception {
        bridges.ensureBridge("br-pa", DatapathType.NETDEV);
        bridges.ensureBridge("br-pb", DatapathType.NETDEV);
        bridges.addPort("br-pa", PortSpec.of("pa-to-pb").withInterfaceType("patch")
                .withInterfaceOptions(Map.of("peer", "pb-to-pa")));
        bridges.addPort("br-pb", PortSpec.of("pb-to-pa").withInterfaceType("patch")
                .withInterfaceOptions(Map.of("peer", "pa-to-pb")));
        assertEquals("patch", server.vsctl("get", "interface", "pa-to-pb", "type"));
        assertEquals("pb-to-pa", get("interface", "pa-to-pb", "options:peer"));
    }

    @Test
    void deleteBridgeRemovesItsPorts() throws Exception {
        bridges.ensureBridge("br-gone", DatapathType.NETDEV);
        bridges.addPort("br-gone", PortSpec.of("tap-g1"));
        assertTrue(bridges.deleteBridge("br-gone"));
        assertFalse(bridges.deleteBridge("br-gone"));
        assertFalse(vsctlLines("list-br").contains("br-gone"));
        assertEquals("", server.vsctl("--bare", "--columns=name", "find", "port", "name=tap-g1"));
        assertTrue(bridges.bridge("br-gone").isEmpty());
    }

    @Test
    void bridgeNamesMustFitADeviceName() {
        assertThrows(IllegalArgumentException.class, () -> bridges.ensureBridge("a-name-longer-than-15", DatapathType.NETDEV));
        assertTrue(Files.exists(server.socket()));
    }
}
