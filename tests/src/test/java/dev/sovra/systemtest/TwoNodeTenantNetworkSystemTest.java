package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tenant networking through the controller on two nodes with real guests. Each node is an emulated host: its agent
 * drives a private Open vSwitch (netdev datapath) in a network namespace of its own, the two joined by a veth
 * underlay ({@link Appliance#withEmulatedHosts}); both agents share the host's libvirtd, and each moves its guests'
 * taps into its node's namespace ({@code --network-netns}). vm-a (node 1) and vm-b (node 2) of one network get
 * their addresses by DHCP and ping each other over the VXLAN tunnel; vm-c, of another network with the same CIDR,
 * reaches neither. The methods run in order on the same guests: second agent kill -9, delete.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodeTenantNetworkSystemTest {
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration READY = Duration.ofSeconds(60);
    private static final String NET = "/providers/seca.network/v1/tenants/systest/workspaces/ws";
    private static final String BS = "/providers/seca.storage/v1/tenants/systest/workspaces/ws/block-storages/";
    private static final String A = "10.31.1.10";
    private static final String B = "10.31.1.11";
    /** The guest of network {@code other}, which has the same CIDR. */
    private static final String C = "10.31.1.12";
    private static final List<String> VMS = List.of("vm-a", "vm-b", "vm-c");

    private static Appliance appliance;
    private static String secondNode;
    private static final Map<String, Integer> baselineFlows = new HashMap<>();
    private static final Map<String, String> uids = new HashMap<>();
    /** The node each guest runs on. */
    private static final Map<String, String> nodes = new HashMap<>();
    /** The guests' taps, as bound on the nodes' switches. */
    private static final List<String> taps = new ArrayList<>();

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("net2node").withEmulatedHosts("n2n", "sovra.ping=" + A + "," + B + "," + C);
        appliance.start();
        secondNode = appliance.nodeName + "-b";
        appliance.startSecondNode(secondNode);
        for (String node : List.of(appliance.nodeName, secondNode)) {
            // The node reported its underlay: it gets an (empty) spec, and the agent makes the bridge with the skeleton flows.
            appliance.await(READY, node + " bridge with its skeleton flows", () -> {
                try {
                    return !appliance.ovs(node).flows().isEmpty();
                } catch (AssertionError notYet) {
                    return false;
                }
            });
            baselineFlows.put(node, appliance.ovs(node).flows().size());
        }
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    @Order(1)
    void guestsOnTwoNodesGetTheirAddressesAndPingEachOtherOverTheTunnelButNotAnotherNetwork() {
        appliance.put("/providers/seca.workspace/v1/tenants/systest/workspaces/ws", "{\"spec\":{}}");
        appliance.put(NET + "/security-groups/sg", "{\"spec\":{\"rules\":[{\"direction\":\"ingress\",\"protocol\":\"icmp\","
                + "\"sourceRef\":[\"10.31.1.0/24\"]}]}}");
        appliance.put(NET + "/internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}");
        for (String network : List.of("net", "other")) {
            appliance.put(NET + "/networks/" + network, "{\"spec\":{\"cidr\":{\"ipv4\":\"10.31.0.0/16\"},"
                    + "\"skuRef\":\"skus/seca.n1k\"}}");
            appliance.put(NET + "/networks/" + network + "/route-tables/rt", "{\"spec\":{\"routes\":[{"
                    + "\"destinationCidrBlock\":\"0.0.0.0/0\",\"targetRef\":\"internet-gateways/igw\"}]}}");
            appliance.put(NET + "/networks/" + network + "/subnets/sn", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.31.1.0/24\"},"
                    + "\"zone\":\"a\",\"routeTableRef\":\"networks/" + network + "/route-tables/rt\"}}");
        }
        nic("nic-a", "net", A);
        nic("nic-b", "net", B);
        nic("nic-c", "other", C);

        // Placement: an instance goes where its local boot volume is, and a new local volume to the emptier node.
        for (String vm : VMS) {
            appliance.put(BS + "boot-" + vm, "{\"spec\":{\"skuRef\":\"skus/seca.ld500\",\"sizeGB\":1}}");
            appliance.awaitState(BS + "boot-" + vm, "active", READY);
        }
        assertNotEquals(volumeNode("boot-vm-a"), volumeNode("boot-vm-b"), "vm-a's and vm-b's boot volumes on two nodes");

        long startAt = System.nanoTime();
        for (String vm : VMS) {
            appliance.put(Appliance.COMPUTE + "/instances/" + vm, "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                    + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot-" + vm + "\"},\"primaryNicRef\":\"nics/nic-"
                    + vm.substring(3) + "\"}}");
            HttpResponse<String> started = appliance.action(vm, "start");
            assertEquals(202, started.statusCode(), started.body());
        }
        for (String vm : VMS) {
            uids.put(vm, appliance.uid(vm));
        }
        for (String vm : VMS) {
            appliance.await(READY, vm + " placed", () -> instanceNode(uids.get(vm)) != null);
            nodes.put(vm, instanceNode(uids.get(vm)));
            assertEquals(volumeNode("boot-" + vm), nodes.get(vm), vm + " runs where its boot volume is");
        }
        assertNotEquals(nodes.get("vm-a"), nodes.get("vm-b"), "vm-a and vm-b on two nodes");

        Map<String, String> addresses = Map.of("vm-a", A, "vm-b", B, "vm-c", C);
        for (String vm : VMS) {
            appliance.await(BOOT, vm + " DHCP address", () -> console(vm).contains("SOVRA-GUEST-NET " + addresses.get(vm) + "/24"));
        }
        System.out.printf("measure: two nodes: instances started -> all three guests have their DHCP address: %d ms%n",
                (System.nanoTime() - startAt) / 1_000_000);
        appliance.await(READY, "vm-a reaches vm-b", () -> "ok".equals(lastPing("vm-a", B, 0)));
        appliance.await(READY, "vm-b reaches vm-a", () -> "ok".equals(lastPing("vm-b", A, 0)));
        System.out.printf("measure: two nodes: instances started -> vm-a and vm-b ping each other over the tunnel: %d ms%n",
                (System.nanoTime() - startAt) / 1_000_000);
        for (String path : List.of("/networks/net", "/networks/other", "/nics/nic-a", "/nics/nic-b", "/nics/nic-c")) {
            appliance.awaitState(NET + path, "active", Duration.ofSeconds(20));
        }

        // Each node's switch, in its own namespace: the guests' taps there, and a tunnel port to the other node.
        String underlayOfA = nodes.get("vm-a").equals(appliance.nodeName) ? Appliance.UNDERLAY_A : Appliance.UNDERLAY_B;
        String underlayOfB = underlayOfA.equals(Appliance.UNDERLAY_A) ? Appliance.UNDERLAY_B : Appliance.UNDERLAY_A;
        assertEquals(List.of(underlayOfB), tunnelRemotes(nodes.get("vm-a")), "vm-a's node tunnels to vm-b's");
        assertEquals(List.of(underlayOfA), tunnelRemotes(nodes.get("vm-b")), "vm-b's node tunnels to vm-a's");
        for (String node : List.of(appliance.nodeName, secondNode)) {
            PrivateOvs ovs = appliance.ovs(node);
            List<String> nodeTaps = ovs.ports().stream().filter(p -> p.startsWith("tn")).toList();
            long guestsHere = VMS.stream().filter(vm -> nodes.get(vm).equals(node)).count();
            assertEquals(guestsHere, nodeTaps.size(), node + ": one tap per guest on the node: " + ovs.ports());
            assertEquals(Set.copyOf(nodeTaps), Set.copyOf(ovs.links("tn")), node + ": the taps are in the node's namespace");
            taps.addAll(nodeTaps);
        }
        assertEquals(List.of(), Appliance.run("ip", "-o", "link", "show").lines()
                .filter(l -> taps.stream().anyMatch(tap -> l.contains(": " + tap + ":"))).toList(), "no tap left in libvirtd's namespace");

        // Isolation: the same addresses in network 'other' are another segment; its guest is allowed ICMP from the
        // subnet by its security group, so only the network keeps them apart.
        int fromC = consoleLength("vm-c");
        int fromA = consoleLength("vm-a");
        appliance.await(READY, "three rounds of pings from vm-c and vm-a",
                () -> pings("vm-c", A, fromC).size() >= 3 && pings("vm-a", C, fromA).size() >= 3);
        assertEquals(List.of(), pings("vm-c", A, 0).stream().filter("ok"::equals).toList(), "vm-c never reaches vm-a");
        assertEquals(List.of(), pings("vm-c", B, 0).stream().filter("ok"::equals).toList(), "vm-c never reaches vm-b");
        assertEquals(List.of(), pings("vm-a", C, 0).stream().filter("ok"::equals).toList(), "vm-a never reaches vm-c");
        assertEquals(List.of(), pings("vm-b", C, 0).stream().filter("ok"::equals).toList(), "vm-b never reaches vm-c");
        assertTrue(pings("vm-a", B, fromA).stream().allMatch("ok"::equals), "vm-a keeps reaching vm-b: " + pings("vm-a", B, fromA));
    }

    @Test
    @Order(2)
    void secondAgentKilledWhileGuestsPingComesBackWithoutDuplicatePortsOrFlows() {
        PrivateOvs second = appliance.ovs(secondNode);
        List<String> portsBefore = second.ports();
        int flowsBefore = second.flows().size();
        List<String> namespacesBefore = second.namespaces();
        String across = nodes.get("vm-a").equals(secondNode) ? "vm-b" : "vm-a"; // the guest of node 1 pinging node 2
        String target = across.equals("vm-a") ? B : A;

        appliance.killSecondAgent(secondNode);
        int from = consoleLength(across);
        appliance.await(Duration.ofSeconds(20), "pings go on without the second agent", () -> pings(across, target, from).size() >= 3);
        assertTrue(pings(across, target, from).stream().allMatch("ok"::equals), "the data plane needs no agent: "
                + pings(across, target, from));

        long restartAt = System.nanoTime();
        appliance.restartSecondAgent(secondNode);
        appliance.await(READY, secondNode + " ready again", () -> nodeState(secondNode).equals("ready"));
        int afterRestart = consoleLength("vm-a");
        int afterRestartB = consoleLength("vm-b");
        appliance.await(Duration.ofSeconds(30), "pings after the agent restart",
                () -> pings("vm-a", B, afterRestart).size() >= 3 && pings("vm-b", A, afterRestartB).size() >= 3);
        System.out.printf("measure: second agent restarted -> ready, three more rounds of pings: %d ms%n",
                (System.nanoTime() - restartAt) / 1_000_000);
        assertTrue(pings("vm-a", B, afterRestart).stream().allMatch("ok"::equals), pings("vm-a", B, afterRestart).toString());
        assertTrue(pings("vm-b", A, afterRestartB).stream().allMatch("ok"::equals), pings("vm-b", A, afterRestartB).toString());
        assertEquals(portsBefore, second.ports(), "the same ports, none twice");
        assertEquals(flowsBefore, second.flows().size(), "the same number of flows");
        assertEquals(namespacesBefore, second.namespaces(), "the same DHCP servers and routers");
    }

    @Test
    @Order(3)
    void deletingEverythingLeavesBothSwitchesAtTheirBaseline() {
        for (String vm : VMS) {
            HttpResponse<String> deleted = appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + vm, null);
            assertEquals(202, deleted.statusCode(), deleted.body());
        }
        for (String vm : VMS) {
            appliance.await(READY, vm + " gone", () -> appliance.instance(vm).statusCode() == 404);
        }
        for (String nic : List.of("nic-a", "nic-b", "nic-c")) {
            appliance.deleteAndAwait(NET + "/nics/" + nic);
        }
        for (String network : List.of("net", "other")) {
            appliance.deleteAndAwait(NET + "/networks/" + network + "/subnets/sn");
            appliance.deleteAndAwait(NET + "/networks/" + network + "/route-tables/rt");
            appliance.deleteAndAwait(NET + "/networks/" + network);
        }
        appliance.deleteAndAwait(NET + "/internet-gateways/igw");
        for (String node : List.of(appliance.nodeName, secondNode)) {
            PrivateOvs ovs = appliance.ovs(node);
            appliance.await(Duration.ofSeconds(30), node + ": no tenant or tunnel ports, flows, DHCP or router namespaces",
                    () -> ovs.ports().isEmpty() && ovs.flows().size() == baselineFlows.get(node) && ovs.namespaces().isEmpty());
            assertEquals(List.of(), ovs.links("tn"), node + ": no tap left in the node's namespace");
        }
        assertEquals(List.of(), Appliance.run("ip", "-o", "link", "show").lines()
                .filter(l -> taps.stream().anyMatch(tap -> l.contains(": " + tap + ":"))).toList(), "no tap left in libvirtd's namespace");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static void nic(String name, String network, String address) {
        appliance.put(NET + "/nics/" + name, "{\"spec\":{\"subnetRef\":\"networks/" + network + "/subnets/sn\","
                + "\"addresses\":[\"" + address + "\"],\"securityGroupRefs\":[\"security-groups/sg\"]}}");
    }

    /** The {@code remote_ip} of each tunnel port on {@code node}'s integration bridge. */
    private static List<String> tunnelRemotes(String node) {
        PrivateOvs ovs = appliance.ovs(node);
        return ovs.ports().stream().filter(p -> p.startsWith("vx"))
                .map(p -> ovs.vsctl("get", "interface", p, "options:remote_ip").trim().replace("\"", "")).toList();
    }

    private static String volumeNode(String blockStorage) {
        for (JsonNode volume : appliance.storageRecords("volumes")) {
            if (volume.get("ref").asText().endsWith("/block-storages/" + blockStorage)) {
                return volume.get("node").asText();
            }
        }
        throw new AssertionError("no volume record for " + blockStorage);
    }

    /** The node an instance is placed on, null before placement. */
    private static String instanceNode(String uid) {
        for (JsonNode instance : Appliance.json(appliance.call("GET", "/internal/v1/instances", null))) {
            if (instance.get("uid").asText().equals(uid)) {
                JsonNode node = instance.get("node");
                return node == null || node.isNull() || node.asText().isEmpty() ? null : node.asText();
            }
        }
        return null;
    }

    private static String nodeState(String node) {
        for (JsonNode candidate : Appliance.json(appliance.call("GET", "/internal/v1/nodes", null))) {
            if (candidate.get("id").asText().equals(node)) {
                return candidate.get("state").asText();
            }
        }
        return "absent";
    }

    private static String console(String vm) {
        String uid = uids.get(vm);
        return secondNode.equals(nodes.get(vm)) ? appliance.consoleOn(secondNode, uid) : appliance.console(uid);
    }

    private static int consoleLength(String vm) {
        return console(vm).length();
    }

    private static List<String> pings(String vm, String target, int from) {
        return GuestPings.after(console(vm), target, from);
    }

    private static String lastPing(String vm, String target, int from) {
        return GuestPings.last(pings(vm, target, from));
    }
}
