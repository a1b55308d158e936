package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tenant networking through the controller with real guests on one node: SECA networks, subnets, a security group
 * and NICs; the agent programs a private Open vSwitch (netdev datapath) in a network namespace of its own (an emulated
 * host: one netdev switch per namespace, so the test runs beside a {@code ./sovra up} appliance that has the host's)
 * and moves the guests' taps there; the guests get their addresses by DHCP and ping each other every second
 * ({@code sovra.ping}), which the test reads on their consoles. A guest of another network with the same CIDR must
 * stay unreachable.
 *
 * <p>North-south on the same guests: the node has an {@link Uplink} (a Linux bridge the routers join, and an "outside"
 * namespace holding the uplink gateway {@value #UPLINK_GATEWAY} and an "internet" address {@value #INTERNET} behind
 * it), which every guest pings too. Network {@code net} routes 0.0.0.0/0 to an internet gateway; vm-a's NIC has a
 * public IP from the pool {@value #PUBLIC_POOL}; network {@code other} has no internet gateway route. The methods run
 * in order on the same guests: north-south paths, security group change, route removal, agent kill -9, public IP
 * removal and delete.
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
    /** The controller's public IP pool: the uplink's subnet, where routers get their uplink addresses. */
    private static final String PUBLIC_POOL = "192.0.2.0/24";
    /** The pool's addresses start with this (a /24). */
    private static final String POOL_NETWORK = "192.0.2.";
    private static final String UPLINK_GATEWAY = "192.0.2.1";
    /** Behind the uplink gateway, on the outside's loopback. */
    private static final String INTERNET = "198.51.100.77";
    private static final String ICMP_FROM_OUTSIDE = "{\"direction\":\"ingress\",\"protocol\":\"icmp\",\"sourceRef\":[\""
            + PUBLIC_POOL + "\"]}";
    /** A guest's own TTL less the router's hop: the reply came from a guest, not from the router that holds the /32. */
    private static final int GUEST_TTL_BEHIND_ROUTER = 63;

    private static Appliance appliance;
    private static int baselineFlows;
    private static final Map<String, String> uids = new java.util.HashMap<>();
    /** vm-a's public IP, as the API reports it. */
    private static String publicIp;
    /** When the outside first got vm-a's answer at its public IP, ms after the instances were started. */
    private static CompletableFuture<Long> publicIpAnswered;

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("tenant-net").withEmulatedHosts("tnet", "sovra.ping=" + A + "," + B + "," + C + "," + INTERNET)
                .withUplink(PUBLIC_POOL, UPLINK_GATEWAY, INTERNET);
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
        appliance.put(NET + "/security-groups/sg", group(true, true));
        appliance.put(NET + "/internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}");
        for (String network : List.of("net", "other")) {
            appliance.put(NET + "/networks/" + network, "{\"spec\":{\"cidr\":{\"ipv4\":\"10.30.0.0/16\"},"
                    + "\"skuRef\":\"skus/seca.n1k\"}}");
            routeTable(network, network.equals("net")); // 'other' has no way out
            appliance.put(NET + "/networks/" + network + "/subnets/sn", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.30.1.0/24\"},"
                    + "\"zone\":\"a\",\"routeTableRef\":\"networks/" + network + "/route-tables/rt\"}}");
        }
        appliance.put(NET + "/public-ips/pip", "{\"spec\":{\"version\":\"IPv4\"}}");
        publicIp = Appliance.json(appliance.call("GET", NET + "/public-ips/pip", null)).get("status").get("ipAddress").asText();
        nic("nic-a", "net", A, true);
        nic("nic-b", "net", B, false);
        nic("nic-c", "other", C, false);
        long startAt = System.nanoTime();
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            runInstance(vm, "nic-" + vm.substring(3));
        }
        publicIpAnswered = CompletableFuture.supplyAsync(() -> { // each ping waits up to 2 s for its reply
            while (!appliance.uplink().ping(publicIp).ok()) {
                if (System.nanoTime() - startAt > BOOT.toNanos()) {
                    return -1L;
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // in case the ping fails at once
            }
            return (System.nanoTime() - startAt) / 1_000_000;
        });
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
    void aGuestWithAPublicIpAnswersTheOutsideAndGuestsBehindTheGatewayGoOutAsTheRouter() {
        assertTrue(inPublicPool(publicIp), "the public IP comes from the pool: " + publicIp);
        long answeredAfter = publicIpAnswered.join();
        assertTrue(answeredAfter >= 0, "the outside never got an answer from " + publicIp + " within " + BOOT.toSeconds() + " s");
        System.out.printf("measure: instances started -> vm-a answers the outside at its public IP: %d ms%n", answeredAfter);
        Uplink.Ping ping = appliance.uplink().ping(publicIp);
        assertTrue(ping.ok(), ping.output());
        assertTrue(ping.output().contains("from " + publicIp), "the reply comes from the public IP: " + ping.output());
        assertEquals(GUEST_TTL_BEHIND_ROUTER, ping.ttl(), "vm-a answered through the router, which did not answer itself: "
                + ping.output());
        assertFalse(appliance.uplink().ping(A).ok(), "the private address is not reachable from outside");
        assertEquals("nics/nic-a", Appliance.json(appliance.call("GET", NET + "/public-ips/pip", null)).get("status")
                .path("attachedTo").path("resource").asText(), "the public IP reports its NIC");

        // Out: vm-a as its public IP, vm-b as the router's uplink address; vm-c's network has no route out.
        String router = routerUplinkAddress();
        assertTrue(inPublicPool(router) && !router.equals(publicIp) && !router.equals(UPLINK_GATEWAY),
                "the router's uplink address is another address of the pool: " + router);
        int from = appliance.uplink().captured();
        int fromA = consoleLength("vm-a");
        int fromB = consoleLength("vm-b");
        int fromC = consoleLength("vm-c");
        appliance.await(Duration.ofSeconds(60), "three rounds of pings of the internet address from each guest",
                () -> pings("vm-a", INTERNET, fromA).size() >= 3 && pings("vm-b", INTERNET, fromB).size() >= 3
                        && pings("vm-c", INTERNET, fromC).size() >= 3);
        assertTrue(pings("vm-a", INTERNET, fromA).stream().allMatch("ok"::equals), "vm-a reaches the outside: "
                + pings("vm-a", INTERNET, fromA));
        assertTrue(pings("vm-b", INTERNET, fromB).stream().allMatch("ok"::equals), "vm-b reaches the outside: "
                + pings("vm-b", INTERNET, fromB));
        assertEquals(List.of(), pings("vm-c", INTERNET, 0).stream().filter("ok"::equals).toList(),
                "vm-c's network has no internet gateway route: it never reached the outside");
        List<String> sources = appliance.uplink().echoSources(INTERNET, from);
        assertEquals(Set.of(publicIp, router), Set.copyOf(sources), "the outside sees only the public IP (vm-a) and the "
                + "router's uplink address (vm-b), never a private address: " + sources);
        assertTrue(Collections.frequency(sources, publicIp) >= 3 && Collections.frequency(sources, router) >= 3,
                sources.toString());
        assertEquals(1, appliance.uplink().routerLegs().size(), "only net's router is on the uplink: "
                + appliance.uplink().routerLegs());
    }

    @Test
    @Order(3)
    void removingTheIcmpRuleCutsThePingsAndAddingItBackRestoresThem() {
        int fromA = consoleLength("vm-a");
        int fromB = consoleLength("vm-b");
        long removedAt = System.nanoTime();
        appliance.put(NET + "/security-groups/sg", group(false, true));
        appliance.await(Duration.ofSeconds(20), "pings fail without the ICMP rule",
                () -> GuestPings.endsWithFails(pings("vm-a", B, fromA)) && GuestPings.endsWithFails(pings("vm-b", A, fromB)));
        System.out.printf("measure: ICMP rule removed -> pings fail both ways: %d ms%n", (System.nanoTime() - removedAt) / 1_000_000);

        int againA = consoleLength("vm-a");
        int againB = consoleLength("vm-b");
        long addedAt = System.nanoTime();
        appliance.put(NET + "/security-groups/sg", group(true, true));
        appliance.await(Duration.ofSeconds(20), "pings recover with the ICMP rule",
                () -> "ok".equals(lastPing("vm-a", B, againA)) && "ok".equals(lastPing("vm-b", A, againB)));
        System.out.printf("measure: ICMP rule added -> pings ok both ways: %d ms%n", (System.nanoTime() - addedAt) / 1_000_000);
    }

    @Test
    @Order(4)
    void removingTheInternetRouteCutsTheWayOutAndInAndTheSecurityGroupGuardsTheWayIn() {
        String router = routerUplinkAddress();
        int fromB = consoleLength("vm-b");
        long removedAt = System.nanoTime();
        routeTable("net", false);
        // The outside's own pings show the change directly; the guest's, once per round of its ping loop (about 3 s).
        appliance.await(Duration.ofSeconds(30), "the public IP is gone without the route",
                () -> !appliance.uplink().ping(publicIp).ok());
        long goneAfter = (System.nanoTime() - removedAt) / 1_000_000;
        appliance.await(Duration.ofSeconds(30), "vm-b's pings of the outside fail without the route",
                () -> GuestPings.endsWithFails(pings("vm-b", INTERNET, fromB)));
        System.out.printf("measure: internet route removed -> the public IP stops answering: %d ms; vm-b's pings of the "
                + "outside fail twice: %d ms%n", goneAfter, (System.nanoTime() - removedAt) / 1_000_000);
        assertEquals(List.of(), appliance.uplink().routerLegs(), "no router on the uplink without a route out");
        int fromA = consoleLength("vm-a");
        appliance.await(Duration.ofSeconds(20), "two more rounds from vm-a", () -> pings("vm-a", INTERNET, fromA).size() >= 2);
        assertTrue(pings("vm-a", INTERNET, fromA).stream().noneMatch("ok"::equals), "vm-a has no way out either: "
                + pings("vm-a", INTERNET, fromA));

        int againB = consoleLength("vm-b");
        long addedAt = System.nanoTime();
        routeTable("net", true);
        appliance.await(Duration.ofSeconds(30), "the public IP answers again", () -> appliance.uplink().ping(publicIp).ok());
        long answersAfter = (System.nanoTime() - addedAt) / 1_000_000;
        appliance.await(Duration.ofSeconds(30), "vm-b reaches the outside again",
                () -> "ok".equals(lastPing("vm-b", INTERNET, againB)));
        System.out.printf("measure: internet route added back -> the public IP answers: %d ms; vm-b reaches the outside: "
                + "%d ms%n", answersAfter, (System.nanoTime() - addedAt) / 1_000_000);
        assertEquals(router, routerUplinkAddress(), "the network keeps its uplink address on the node");

        // The way in meets vm-a's ingress rules: without ICMP from the uplink the outside gets no answer, while vm-a's
        // own pings out (and their replies) go on.
        appliance.put(NET + "/security-groups/sg", group(true, false));
        appliance.await(Duration.ofSeconds(20), "the outside gets no answer without the rule",
                () -> !appliance.uplink().ping(publicIp).ok());
        int outA = consoleLength("vm-a");
        appliance.await(Duration.ofSeconds(20), "two rounds from vm-a", () -> pings("vm-a", INTERNET, outA).size() >= 2);
        assertTrue(pings("vm-a", INTERNET, outA).stream().allMatch("ok"::equals), pings("vm-a", INTERNET, outA).toString());
        appliance.put(NET + "/security-groups/sg", group(true, true));
        appliance.await(Duration.ofSeconds(20), "the outside gets answers with the rule",
                () -> appliance.uplink().ping(publicIp).ok());
    }

    @Test
    @Order(5)
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
        assertTrue(appliance.uplink().ping(publicIp).ok(), "the restarted agent kept the public IP");
        assertEquals(1, appliance.uplink().routerLegs().size(), "and one router leg on the uplink: "
                + appliance.uplink().routerLegs());
        assertTrue(pings("vm-b", INTERNET, afterRestartB).stream().allMatch("ok"::equals), "and vm-b's way out: "
                + pings("vm-b", INTERNET, afterRestartB));
    }

    @Test
    @Order(6)
    void removingThePublicIpFromTheNicCutsTheWayInAndVmAGoesOutAsTheRouter() {
        String router = routerUplinkAddress();
        long removedAt = System.nanoTime();
        nic("nic-a", "net", A, false);
        appliance.await(Duration.ofSeconds(30), "the public IP stops answering", () -> !appliance.uplink().ping(publicIp).ok());
        System.out.printf("measure: public IP removed from the NIC -> the outside gets no answer: %d ms%n",
                (System.nanoTime() - removedAt) / 1_000_000);
        int from = appliance.uplink().captured();
        int fromA = consoleLength("vm-a");
        appliance.await(Duration.ofSeconds(30), "two rounds from vm-a", () -> pings("vm-a", INTERNET, fromA).size() >= 2);
        assertTrue(pings("vm-a", INTERNET, fromA).stream().allMatch("ok"::equals), pings("vm-a", INTERNET, fromA).toString());
        List<String> sources = appliance.uplink().echoSources(INTERNET, from);
        assertFalse(sources.contains(publicIp), "vm-a no longer goes out as the public IP: " + sources);
        assertEquals(Set.of(router), Set.copyOf(sources), "vm-a and vm-b both go out as the router: " + sources);
        assertFalse(Appliance.json(appliance.call("GET", NET + "/public-ips/pip", null)).get("status").has("attachedTo"),
                "the public IP is attached to nothing");
    }

    @Test
    @Order(7)
    void deletingInstancesNicsAndNetworksLeavesOnlyTheBareBridge() {
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            HttpResponse<String> deleted = appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + vm, null);
            assertEquals(202, deleted.statusCode(), deleted.body());
        }
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            appliance.await(Duration.ofSeconds(60), vm + " gone", () -> appliance.instance(vm).statusCode() == 404);
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
        appliance.deleteAndAwait(NET + "/public-ips/pip");
        appliance.await(Duration.ofSeconds(30), "no tenant ports, flows, DHCP or router namespaces",
                () -> appliance.ovs().ports().isEmpty() && appliance.ovs().flows().size() == baselineFlows
                        && appliance.ovs().namespaces().isEmpty());
        assertEquals(List.of(), Appliance.run("ip", "-o", "link", "show").lines()
                .filter(l -> l.contains(": tn")).toList(), "no tap left");
        assertEquals(List.of(), appliance.uplink().routerLegs(), "no router's veth on the uplink bridge");
        // The routers' NAT and filter rules lived in their namespaces; none of them leaked into the host's.
        assertEquals(List.of(), Appliance.run("iptables-save").lines()
                .filter(l -> l.contains(POOL_NETWORK) || l.contains("10.30.")).toList(),
                "no rule of ours in the host's iptables");
        assertFalse(appliance.uplink().ping(publicIp).ok(), "nothing answers at the public IP");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static String group(boolean icmpInSubnet, boolean icmpFromOutside) {
        List<String> rules = new ArrayList<>();
        if (icmpInSubnet) {
            rules.add(ICMP_IN_SUBNET);
        }
        if (icmpFromOutside) {
            rules.add(ICMP_FROM_OUTSIDE);
        }
        return "{\"spec\":{\"rules\":[" + String.join(",", rules) + "]}}";
    }

    /**
     * The network's route table: a default route to the internet gateway, or (a table needs a route) only a route
     * of 172.16.0.0/12 to a NIC of the network, which the router keeps inside.
     */
    private static void routeTable(String network, boolean internet) {
        String route = internet ? "{\"destinationCidrBlock\":\"0.0.0.0/0\",\"targetRef\":\"internet-gateways/igw\"}"
                : "{\"destinationCidrBlock\":\"172.16.0.0/12\",\"targetRef\":\"nics/"
                        + (network.equals("net") ? "nic-b" : "nic-c") + "\"}";
        appliance.put(NET + "/networks/" + network + "/route-tables/rt", "{\"spec\":{\"routes\":[" + route + "]}}");
    }

    private static void nic(String name, String network, String address, boolean withPublicIp) {
        appliance.put(NET + "/nics/" + name, "{\"spec\":{\"subnetRef\":\"networks/" + network + "/subnets/sn\","
                + "\"addresses\":[\"" + address + "\"],\"securityGroupRefs\":[\"security-groups/sg\"]"
                + (withPublicIp ? ",\"publicIpRefs\":[\"public-ips/pip\"]" : "") + "}}");
    }

    private static boolean inPublicPool(String address) {
        return address.startsWith(POOL_NETWORK);
    }

    /** The uplink address of the one router with an external leg (net's), once it has it. */
    private static String routerUplinkAddress() {
        appliance.await(Duration.ofSeconds(30), "a router with an uplink address", () -> routerUplinkAddressOnce() != null);
        return routerUplinkAddressOnce();
    }

    /**
     * The address with the pool's prefix length on {@code ext0} in the data plane's router namespaces (the public
     * IPs there are /32s); null if no router has one, an error if two have.
     */
    private static String routerUplinkAddressOnce() {
        String suffix = PUBLIC_POOL.substring(PUBLIC_POOL.indexOf('/'));
        List<String> addresses = appliance.ovs().namespaces().stream().filter(ns -> ns.contains("rtr"))
                .flatMap(ns -> Appliance.run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "ext0").lines())
                .map(l -> l.trim().split("\\s+")).filter(w -> w.length > 3 && w[2].equals("inet") && w[3].endsWith(suffix))
                .map(w -> w[3].substring(0, w[3].indexOf('/'))).toList();
        assertTrue(addresses.size() <= 1, "one router on the uplink: " + addresses);
        return addresses.isEmpty() ? null : addresses.get(0);
    }

    private static void runInstance(String name, String nic) {
        appliance.put("/providers/seca.storage/v1/tenants/systest/workspaces/ws/block-storages/boot-" + name,
                "{\"spec\":{\"skuRef\":\"skus/seca.ld500\",\"sizeGB\":1}}");
        appliance.put(Appliance.COMPUTE + "/instances/" + name, "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot-" + name + "\"},\"primaryNicRef\":\"nics/" + nic + "\"}}");
        HttpResponse<String> started = appliance.action(name, "start");
        assertEquals(202, started.statusCode(), started.body());
    }

    private static String console(String vm) {
        return appliance.console(uids.get(vm));
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
