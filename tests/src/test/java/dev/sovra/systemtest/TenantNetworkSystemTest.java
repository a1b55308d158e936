package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tenant networking through the controller with real guests on one node: SECA networks, subnets, a security group
 * and NICs; the agent programs a private Open vSwitch (netdev datapath) in libvirtd's namespace; the guests get
 * their addresses by DHCP and ping each other every second ({@code sovra.ping}), which the test reads on their
 * consoles. A guest of another network with the same CIDR must stay unreachable. The methods run in order on the
 * same guests: security group change, agent kill -9, delete.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantNetworkSystemTest {
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final String NET = "/providers/seca.network/v1/tenants/systest/workspaces/ws";
    private static final String A = "10.30.1.10";
    private static final String B = "10.30.1.11";
    /** The guest of network {@code other}, which has the same CIDR. */
    private static final String C = "10.30.1.12";
    private static final String ICMP_IN_SUBNET = "{\"direction\":\"ingress\",\"protocol\":\"icmp\",\"sourceRef\":[\"10.30.1.0/24\"]}";

    private static Appliance appliance;
    private static int baselineFlows;
    private static final Map<String, String> uids = new java.util.HashMap<>();

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("tenantnet").withTenantNetwork("nsys", "sovra.ping=" + A + "," + B + "," + C);
        appliance.start();
        // The node reported its underlay: it gets an (empty) spec, and the agent makes the bridge with the skeleton flows.
        appliance.await(Duration.ofSeconds(60), "bridge with its skeleton flows", () -> {
            try {
                return !appliance.ovs().flows().isEmpty();
            } catch (AssertionError notYet) {
                return false;
            }
        });
        baselineFlows = appliance.ovs().flows().size();
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    @Order(1)
    void guestsOfOneNetworkGetTheirAddressesAndPingEachOtherButNotAnotherNetwork() {
        appliance.put("/providers/seca.workspace/v1/tenants/systest/workspaces/ws", "{\"spec\":{}}");
        appliance.put(NET + "/security-groups/sg", group(true));
        appliance.put(NET + "/internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}");
        for (String network : List.of("net", "other")) {
            appliance.put(NET + "/networks/" + network, "{\"spec\":{\"cidr\":{\"ipv4\":\"10.30.0.0/16\"},"
                    + "\"skuRef\":\"skus/seca.n1k\"}}");
            appliance.put(NET + "/networks/" + network + "/route-tables/rt", "{\"spec\":{\"routes\":[{"
                    + "\"destinationCidrBlock\":\"0.0.0.0/0\",\"targetRef\":\"internet-gateways/igw\"}]}}");
            appliance.put(NET + "/networks/" + network + "/subnets/sn", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.30.1.0/24\"},"
                    + "\"zone\":\"a\",\"routeTableRef\":\"networks/" + network + "/route-tables/rt\"}}");
        }
        nic("nic-a", "net", A);
        nic("nic-b", "net", B);
        nic("nic-c", "other", C);
        long startAt = System.nanoTime();
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            runInstance(vm, "nic-" + vm.substring(3));
        }
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            uids.put(vm, appliance.uid(vm));
        }
        Map<String, String> addresses = Map.of("vm-a", A, "vm-b", B, "vm-c", C);
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            appliance.await(BOOT, vm + " DHCP address", () -> console(vm).contains("SOVRA-GUEST-NET " + addresses.get(vm) + "/24"));
        }
        System.out.printf("measure: instances started -> all three guests have their DHCP address: %d ms%n",
                (System.nanoTime() - startAt) / 1_000_000);
        appliance.await(Duration.ofSeconds(60), "vm-a reaches vm-b", () -> "ok".equals(lastPing("vm-a", B, 0)));
        appliance.await(Duration.ofSeconds(60), "vm-b reaches vm-a", () -> "ok".equals(lastPing("vm-b", A, 0)));
        System.out.printf("measure: instances started -> vm-a and vm-b ping each other: %d ms%n",
                (System.nanoTime() - startAt) / 1_000_000);
        // The node reported both segments programmed: networks and NICs are active from the data plane.
        for (String path : List.of("/networks/net", "/networks/other", "/nics/nic-a", "/nics/nic-b", "/nics/nic-c")) {
            appliance.awaitState(NET + path, "active", Duration.ofSeconds(20));
        }

        // Isolation: the same addresses in network 'other' are another segment; its guest is allowed ICMP from the
        // subnet by its security group, so only the network keeps them apart.
        int from = consoleLength("vm-c");
        int fromA = consoleLength("vm-a");
        appliance.await(Duration.ofSeconds(60), "three rounds of pings from vm-c",
                () -> pings("vm-c", A, from).size() >= 3 && pings("vm-a", C, fromA).size() >= 3);
        assertEquals(List.of(), pings("vm-c", A, 0).stream().filter("ok"::equals).toList(), "vm-c never reaches vm-a");
        assertEquals(List.of(), pings("vm-c", B, 0).stream().filter("ok"::equals).toList(), "vm-c never reaches vm-b");
        assertEquals(List.of(), pings("vm-a", C, 0).stream().filter("ok"::equals).toList(), "vm-a never reaches vm-c");
        assertTrue(pings("vm-a", B, fromA).stream().allMatch("ok"::equals), "vm-a keeps reaching vm-b: " + pings("vm-a", B, fromA));
    }

    @Test
    @Order(2)
    void removingTheIcmpRuleCutsThePingsAndAddingItBackRestoresThem() {
        int fromA = consoleLength("vm-a");
        int fromB = consoleLength("vm-b");
        long removedAt = System.nanoTime();
        appliance.put(NET + "/security-groups/sg", group(false));
        appliance.await(Duration.ofSeconds(20), "pings fail without the ICMP rule",
                () -> endsWithFails(pings("vm-a", B, fromA)) && endsWithFails(pings("vm-b", A, fromB)));
        System.out.printf("measure: ICMP rule removed -> pings fail both ways: %d ms%n", (System.nanoTime() - removedAt) / 1_000_000);

        int againA = consoleLength("vm-a");
        int againB = consoleLength("vm-b");
        long addedAt = System.nanoTime();
        appliance.put(NET + "/security-groups/sg", group(true));
        appliance.await(Duration.ofSeconds(20), "pings recover with the ICMP rule",
                () -> "ok".equals(lastPing("vm-a", B, againA)) && "ok".equals(lastPing("vm-b", A, againB)));
        System.out.printf("measure: ICMP rule added -> pings ok both ways: %d ms%n", (System.nanoTime() - addedAt) / 1_000_000);
    }

    @Test
    @Order(3)
    void agentKilledWhileGuestsPingComesBackWithoutDuplicatePortsOrFlows() {
        List<String> portsBefore = appliance.ovs().ports();
        int flowsBefore = appliance.ovs().flows().size();
        assertEquals(7, portsBefore.size(), "three NIC ports, two DHCP ports and two router ports: " + portsBefore);

        appliance.killAgent();
        int fromA = consoleLength("vm-a");
        appliance.await(Duration.ofSeconds(20), "pings go on without the agent",
                () -> pings("vm-a", B, fromA).size() >= 3);
        assertTrue(pings("vm-a", B, fromA).stream().allMatch("ok"::equals), "the data plane needs no agent: " + pings("vm-a", B, fromA));

        appliance.startAgent(null);
        appliance.awaitNodeState("ready", Duration.ofSeconds(60));
        int afterRestart = consoleLength("vm-a");
        int afterRestartB = consoleLength("vm-b");
        appliance.await(Duration.ofSeconds(30), "pings after the agent restart",
                () -> pings("vm-a", B, afterRestart).size() >= 3 && pings("vm-b", A, afterRestartB).size() >= 3);
        assertTrue(pings("vm-a", B, afterRestart).stream().allMatch("ok"::equals), pings("vm-a", B, afterRestart).toString());
        assertTrue(pings("vm-b", A, afterRestartB).stream().allMatch("ok"::equals), pings("vm-b", A, afterRestartB).toString());
        assertEquals(portsBefore, appliance.ovs().ports(), "the same ports, none twice");
        assertEquals(flowsBefore, appliance.ovs().flows().size(), "the same number of flows");
        assertEquals(2, appliance.ovs().dhcpNamespaces().size(), "one DHCP server per network: " + appliance.ovs().dhcpNamespaces());
        assertEquals(4, appliance.ovs().namespaces().size(), "one DHCP server and one router per network: "
                + appliance.ovs().namespaces());
    }

    @Test
    @Order(4)
    void deletingInstancesNicsAndNetworksLeavesOnlyTheBareBridge() {
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            HttpResponse<String> deleted = appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + vm, null);
            assertEquals(202, deleted.statusCode(), deleted.body());
        }
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            appliance.await(Duration.ofSeconds(60), vm + " gone", () -> appliance.instance(vm).statusCode() == 404);
        }
        for (String nic : List.of("nic-a", "nic-b", "nic-c")) {
            deleteAndAwait(NET + "/nics/" + nic);
        }
        for (String network : List.of("net", "other")) {
            deleteAndAwait(NET + "/networks/" + network + "/subnets/sn");
            deleteAndAwait(NET + "/networks/" + network + "/route-tables/rt");
            deleteAndAwait(NET + "/networks/" + network);
        }
        deleteAndAwait(NET + "/internet-gateways/igw");
        appliance.await(Duration.ofSeconds(30), "no tenant ports, flows, DHCP or router namespaces",
                () -> appliance.ovs().ports().isEmpty() && appliance.ovs().flows().size() == baselineFlows
                        && appliance.ovs().namespaces().isEmpty());
        assertEquals(List.of(), Appliance.run("ip", "-o", "link", "show").lines()
                .filter(l -> l.contains(": tn")).toList(), "no tap left");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static String group(boolean allowIcmp) {
        return "{\"spec\":{\"rules\":[" + (allowIcmp ? ICMP_IN_SUBNET : "") + "]}}";
    }

    private static void nic(String name, String network, String address) {
        appliance.put(NET + "/nics/" + name, "{\"spec\":{\"subnetRef\":\"networks/" + network + "/subnets/sn\","
                + "\"addresses\":[\"" + address + "\"],\"securityGroupRefs\":[\"security-groups/sg\"]}}");
    }

    private static void runInstance(String name, String nic) {
        appliance.put("/providers/seca.storage/v1/tenants/systest/workspaces/ws/block-storages/boot-" + name,
                "{\"spec\":{\"skuRef\":\"skus/seca.ld500\",\"sizeGB\":1}}");
        appliance.put(Appliance.COMPUTE + "/instances/" + name, "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot-" + name + "\"},\"primaryNicRef\":\"nics/" + nic + "\"}}");
        HttpResponse<String> started = appliance.action(name, "start");
        assertEquals(202, started.statusCode(), started.body());
    }

    private static void deleteAndAwait(String path) {
        HttpResponse<String> deleted = appliance.call("DELETE", path, null);
        assertTrue(deleted.statusCode() == 202 || deleted.statusCode() == 204, path + ": " + deleted.body());
        appliance.await(Duration.ofSeconds(30), path + " gone", () -> appliance.call("GET", path, null).statusCode() == 404);
    }

    private static String console(String vm) {
        return appliance.console(uids.get(vm));
    }

    private static int consoleLength(String vm) {
        return console(vm).length();
    }

    /** The results ({@code ok}/{@code fail}) of the guest's pings of {@code target} printed after console offset {@code from}. */
    private static List<String> pings(String vm, String target, int from) {
        String text = console(vm);
        String marker = "SOVRA-GUEST-PING " + target + " ";
        List<String> results = new ArrayList<>();
        text.substring(Math.min(from, text.length())).lines().filter(l -> l.startsWith(marker)).forEach(l -> {
            String result = l.substring(marker.length()).trim();
            if (result.equals("ok") || result.equals("fail")) { // a line cut short by the read is not counted
                results.add(result);
            }
        });
        return results;
    }

    private static String lastPing(String vm, String target, int from) {
        List<String> results = pings(vm, target, from);
        return results.isEmpty() ? null : results.get(results.size() - 1);
    }

    /** At least two results, the last two failures: the change has taken effect, not a single lost packet. */
    private static boolean endsWithFails(List<String> results) {
        int n = results.size();
        return n >= 2 && results.get(n - 1).equals("fail") && results.get(n - 2).equals("fail");
    }
}
