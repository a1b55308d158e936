package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.store.Repository;
import dev.sovra.model.Instance;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import dev.sovra.model.network.Cidr;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.Router.InternetRoute;
import dev.sovra.model.network.Router.NextHopRoute;
import dev.sovra.model.network.Router.PublicIpMapping;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Route tables, internet gateways and public IPs, created over real HTTP, turned into the routers of each node's
 * network spec by the controller's {@link NetworkReconciler}. Subnet "pub" routes 0.0.0.0/0 to internet gateway
 * igw, "eo" to an egress-only gateway, "priv" only to next hops inside the network (an address, a NIC, an
 * instance, and an instance that does not exist).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterPlanApiTest extends SecaApiTest {
    private static final String NET = "/providers/seca.network/v1/tenants/t1/workspaces/wr/";
    private static final String COMPUTE = "/providers/seca.compute/v1/tenants/t1/workspaces/wr/";
    private static final String SKU = "{\"resource\":\"seca.network/v1/tenants/t1/skus/seca.n1k\"}";
    private static final String NETWORK_ID = "tenants/t1/workspaces/wr/networks/net";

    @Inject
    NetworkReconciler reconciler;

    @Inject
    Repository<Instance> instances;

    @BeforeAll
    void stack() throws Exception {
        put("/providers/seca.workspace/v1/tenants/t1/workspaces/wr", "{\"spec\":{}}");
        put("/providers/seca.storage/v1/tenants/t1/workspaces/wr/block-storages/boot",
                "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}");
        put(NET + "networks/net", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.40.0.0/16\"},\"skuRef\":" + SKU + "}}");
        put(NET + "internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}");
        put(NET + "internet-gateways/eo", "{\"spec\":{\"egressOnly\":true}}");
        routeTable("rt", "0.0.0.0/0", "\"internet-gateways/igw\"");
        routeTable("rt-eo", "0.0.0.0/0", "\"internet-gateways/eo\"");
        put(NET + "networks/net/route-tables/rt-none", "{\"spec\":{\"routes\":["
                + "{\"destinationCidrBlock\":\"10.99.0.0/16\",\"targetRef\":\"10.40.3.5\"},"
                + "{\"destinationCidrBlock\":\"10.98.0.0/16\",\"targetRef\":\"nics/nic-a\"},"
                + "{\"destinationCidrBlock\":\"10.97.0.0/16\",\"targetRef\":\"instances/vm-c\"},"
                + "{\"destinationCidrBlock\":\"10.96.0.0/16\",\"targetRef\":\"instances/vm-later\"}]}}");
        subnet("pub", "10.40.1.0/24", "rt");
        subnet("eo", "10.40.2.0/24", "rt-eo");
        subnet("priv", "10.40.3.0/24", "rt-none");
        for (String pip : List.of("pip-a", "pip-b", "pip-c")) {
            put(NET + "public-ips/" + pip, "{\"spec\":{\"version\":\"IPv4\"}}");
        }
        nic("nic-a", "pub", "pip-a");
        nic("nic-b", "priv", "pip-b");
        nic("nic-c", "eo", "pip-c");
        for (String vm : List.of("vm-a", "vm-b", "vm-c")) {
            put(COMPUTE + "instances/" + vm, "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                    + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot\"},\"primaryNicRef\":\"nics/nic-"
                    + vm.substring(3) + "\"}}");
        }
    }

    @Test
    @Order(1)
    void theRouterGetsTheInternetRoutesAnUplinkAddressAndThePublicIpsOfInboundSubnets() throws Exception {
        NodeNetworkSpec spec = reconciler.pass(List.of(node("n1", "192.0.2.1")),
                placed(Map.of("vm-a", "n1", "vm-b", "n1", "vm-c", "n1"))).network("n1");
        Router router = spec.router(NETWORK_ID).orElseThrow();
        assertEquals(List.of(new InternetRoute("10.40.1.0/24", "0.0.0.0/0"), new InternetRoute("10.40.2.0/24", "0.0.0.0/0")),
                router.internetRoutes().stream().sorted(Comparator.comparing(InternetRoute::sourceCidr)).toList(),
                "priv routes only inside the network");
        String pipA = address("pip-a");
        assertEquals(List.of(new PublicIpMapping(pipA, nicAddress(spec, "nic-a"))), router.publicIps(),
                "nic-c's subnet leaves through an egress-only gateway and nic-b's not at all: no 1:1 NAT for them");

        assertEquals(List.of(new NextHopRoute("10.40.3.0/24", "10.99.0.0/16", "10.40.3.5"),
                        new NextHopRoute("10.40.3.0/24", "10.98.0.0/16", nicAddress(spec, "nic-a")),
                        new NextHopRoute("10.40.3.0/24", "10.97.0.0/16", nicAddress(spec, "nic-c"))),
                router.nextHopRoutes(), "priv's route table: an address, nic-a, vm-c's primary NIC; vm-later does not exist");

        assertEquals("203.0.113.0/24", router.external().cidr());
        assertEquals("203.0.113.1", router.external().gateway(), "the default uplink gateway: the pool's first address");
        String external = router.external().address();
        assertTrue(Cidr.parse("203.0.113.0/24").contains(external), external);
        for (String pip : List.of("pip-a", "pip-b", "pip-c")) {
            assertNotEquals(address(pip), external, "the router's address is not a public IP's");
            assertNotEquals("203.0.113.1", address(pip), "no public IP gets the uplink gateway");
        }
        assertEquals(router, reconciler.pass(List.of(node("n1", "192.0.2.1")),
                placed(Map.of("vm-a", "n1", "vm-b", "n1", "vm-c", "n1"))).network("n1").router(NETWORK_ID).orElseThrow(),
                "the same router on the next pass: addresses stay");
    }

    @Test
    @Order(2)
    void eachNodeHasItsOwnRouterAddressAndOnlyItsOwnNicsPublicIps() {
        NetworkReconciler.Plan plan = reconciler.pass(List.of(node("n1", "192.0.2.1"), node("n2", "192.0.2.2")),
                placed(Map.of("vm-a", "n1", "vm-b", "n2")));
        Router one = plan.network("n1").router(NETWORK_ID).orElseThrow();
        Router two = plan.network("n2").router(NETWORK_ID).orElseThrow();
        assertNotEquals(one.external().address(), two.external().address());
        assertEquals(1, one.publicIps().size());
        assertEquals(List.of(), two.publicIps(), "nic-a's public IP lives on nic-a's node only");
        assertEquals(one.internetRoutes(), two.internetRoutes(), "the same route tables on both nodes");
    }

    @Test
    @Order(3)
    void withoutAnyInternetGatewayTheRouterHasNoUplink() throws Exception {
        call("DELETE", NET + "internet-gateways/igw", null);
        NodeNetworkSpec spec = reconciler.pass(List.of(node("n1", "192.0.2.1")),
                placed(Map.of("vm-a", "n1", "vm-b", "n1"))).network("n1");
        Router internal = spec.router(NETWORK_ID).orElseThrow();
        assertNull(internal.external(), "the route to the deleted gateway is pending: no way out");
        assertEquals(List.of(), internal.internetRoutes());
        assertEquals(List.of(), internal.publicIps(), "and no 1:1 NAT without a way in");
        assertEquals(2, internal.nextHopRoutes().size(), "the routes inside the network stay (vm-c is not placed)");

        spec = reconciler.pass(List.of(node("n1", "192.0.2.1")),
                placed(Map.of("vm-a", "n1", "vm-b", "n1", "vm-c", "n1"))).network("n1");
        Router router = spec.router(NETWORK_ID).orElseThrow();
        assertEquals(List.of(new InternetRoute("10.40.2.0/24", "0.0.0.0/0")), router.internetRoutes(),
                "the egress-only gateway still lets eo out");
        assertEquals(List.of(), router.publicIps());
        put(NET + "internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}");
    }

    @Test
    @Order(4)
    void aNodeWithoutNicsOfTheNetworkGetsNoRouter() {
        NetworkReconciler.Plan plan = reconciler.pass(List.of(node("n1", "192.0.2.1"), node("n2", "192.0.2.2")),
                placed(Map.of("vm-a", "n1")));
        assertEquals(List.of(), plan.network("n2").routers());
        assertNull(plan.network("n2").router(NETWORK_ID).orElse(null));
    }

    private void routeTable(String name, String destination, String target) throws Exception {
        put(NET + "networks/net/route-tables/" + name, "{\"spec\":{\"routes\":[{\"destinationCidrBlock\":\"" + destination
                + "\",\"targetRef\":" + target + "}]}}");
    }

    private void subnet(String name, String cidr, String routeTable) throws Exception {
        put(NET + "networks/net/subnets/" + name, "{\"spec\":{\"cidr\":{\"ipv4\":\"" + cidr + "\"},\"zone\":\"a\","
                + "\"routeTableRef\":\"networks/net/route-tables/" + routeTable + "\"}}");
    }

    private void nic(String name, String subnet, String publicIp) throws Exception {
        put(NET + "nics/" + name, "{\"spec\":{\"subnetRef\":\"networks/net/subnets/" + subnet + "\","
                + "\"publicIpRefs\":[\"public-ips/" + publicIp + "\"]}}");
    }

    private String address(String publicIp) throws Exception {
        HttpResponse<String> response = call("GET", NET + "public-ips/" + publicIp, null);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("status").get("ipAddress").asText();
    }

    private static String nicAddress(NodeNetworkSpec spec, String nic) {
        return spec.nics().stream().filter(n -> n.portId().endsWith("/" + nic)).findFirst().map(NicPort::ipv4)
                .orElseThrow().get(0);
    }

    private List<Instance> placed(Map<String, String> nodeByInstance) {
        List<Instance> out = new ArrayList<>();
        for (Repository.Versioned<Instance> entry : instances.list()) {
            Instance instance = entry.value();
            if (instance.workspace().equals("wr") && nodeByInstance.containsKey(instance.name())) {
                out.add(instance.withNode(nodeByInstance.get(instance.name())));
            }
        }
        out.sort(Comparator.comparing(i -> i.metadata().createdAt()));
        return out;
    }

    private static Node node(String id, String underlayIp) {
        NodeInventory inventory = new NodeInventory(id, "cpu", 8, 16384, List.of(), List.of("qemu"), "qemu", "generic", "a")
                .withUnderlay(new Underlay(underlayIp, TunnelType.VXLAN));
        return new Node(id, inventory, NodeState.READY, 4, 1, 0, Instant.now(), Instant.now());
    }

    private void put(String path, String body) throws Exception {
        HttpResponse<String> response = call("PUT", path, body);
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, path + ": " + response.body());
    }
}
