package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * seca.network/v1 over real HTTP: every collection's lifecycle with exact condition histories and metadata, the
 * validation rules (each refused with 412 and nothing written), controller-side IPAM and delete protection, as
 * the conformance network scenarios exercise them.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkApiTest extends SecaApiTest {

    private static final String NET = "/providers/seca.network/v1/tenants/t1/workspaces/";
    private static final String URN = "seca.network/v1/tenants/t1/workspaces/";
    private static final String SKU = "{\"resource\":\"seca.network/v1/tenants/t1/skus/seca.n1k\"}";
    private static final List<String> CREATED = List.of("active", "creating", "pending");
    private static final List<String> UPDATED = List.of("active", "updating", "active", "creating", "pending");

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("sovra.network.public-ip-pool", "203.0.113.0/29");
    }

    private JsonNode put(String path, String body, int expected) throws Exception {
        HttpResponse<String> response = call("PUT", path, body);
        assertEquals(expected, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = call("GET", path, null);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    private void refused(String path, String body) throws Exception {
        HttpResponse<String> response = call("PUT", path, body);
        assertEquals(412, response.statusCode(), "refused with 412: " + path + " " + body + " -> " + response.body());
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(412, problem.get("status").asInt());
        assertTrue(problem.get("sources").isArray());
        assertFalse(call("GET", path, null).statusCode() == 200, "nothing written at " + path);
    }

    private void deleted(String path) throws Exception {
        assertEquals(202, call("DELETE", path, null).statusCode(), path);
        assertEquals(404, call("GET", path, null).statusCode(), path);
    }

    private static String ref(String ws, String resource) {
        return "{\"resource\":\"" + URN + ws + "/" + resource + "\"}";
    }

    private static String network(String cidr) {
        return "{\"labels\":{\"env\":\"conformance\"},\"spec\":{\"cidr\":{\"ipv4\":\"" + cidr + "\"},\"skuRef\":" + SKU + "}}";
    }

    private static String routeTable(String ws, String target) {
        return "{\"spec\":{\"routes\":[{\"destinationCidrBlock\":\"0.0.0.0/0\",\"targetRef\":" + ref(ws, target) + "}]}}";
    }

    private static String subnet(String ws, String net, String cidr, String zone) {
        return "{\"spec\":{\"cidr\":{\"ipv4\":\"" + cidr + "\"},\"zone\":\"" + zone + "\",\"routeTableRef\":"
                + ref(ws, "networks/" + net + "/route-tables/rt") + "}}";
    }

    private static String nic(String ws, String addresses, String extra) {
        return "{\"spec\":{" + (addresses == null ? "" : "\"addresses\":" + addresses + ",") + "\"subnetRef\":"
                + ref(ws, "networks/net/subnets/sn") + extra + "}}";
    }

    /** Workspace ws with network net (10.1.0.0/16), internet gateway igw, route table rt and subnet sn (10.1.1.0/24). */
    private void stack(String ws) throws Exception {
        put("/providers/seca.workspace/v1/tenants/t1/workspaces/" + ws, "{\"spec\":{}}", 201);
        put(NET + ws + "/networks/net", network("10.1.0.0/16"), 201);
        put(NET + ws + "/internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}", 201);
        put(NET + ws + "/networks/net/route-tables/rt", routeTable(ws, "internet-gateways/igw"), 201);
        put(NET + ws + "/networks/net/subnets/sn", subnet(ws, "net", "10.1.1.0/24", "a"), 201);
    }

    @Test
    void networkLifecycleMetadataStatusAndLists() throws Exception {
        put("/providers/seca.workspace/v1/tenants/t1/workspaces/ws-net", "{\"spec\":{}}", 201);
        JsonNode created = put(NET + "ws-net/networks/net-1", network("10.1.0.0/16"), 201);
        JsonNode metadata = created.get("metadata");
        assertEquals("networks/net-1", metadata.get("resource").asText());
        assertEquals(URN + "ws-net/networks/net-1", metadata.get("ref").asText());
        assertEquals("network", metadata.get("kind").asText());
        assertEquals("PUT", metadata.get("verb").asText());
        assertEquals("ws-net", metadata.get("workspace").asText());
        assertEquals("region-1", metadata.get("region").asText());
        assertNull(metadata.get("network"));
        assertEquals("seca.network/v1/tenants/t1/skus/seca.n1k", created.get("spec").get("skuRef").get("resource").asText());
        assertEquals(CREATED, states(created));
        assertEquals("10.1.0.0/16", created.get("status").get("cidr").get("ipv4").asText());

        JsonNode updated = put(NET + "ws-net/networks/net-1", network("10.1.0.0/16").replace("seca.n1k", "seca.n5k"), 200);
        assertEquals("active", updated.get("status").get("state").asText(), "the network SKU may change in place (suite)");
        assertEquals(UPDATED, states(get(NET + "ws-net/networks/net-1")));
        assertEquals("GET", get(NET + "ws-net/networks/net-1").get("metadata").get("verb").asText());

        put(NET + "ws-net/networks/net-2", network("10.1.0.0/16").replace("conformance", "other"), 201);
        JsonNode auto = put(NET + "ws-net/networks/net-auto", network("0.0.0.0/16"), 201);
        String assigned = auto.get("status").get("cidr").get("ipv4").asText();
        assertTrue(assigned.startsWith("10.") && assigned.endsWith("/16"), assigned);
        assertEquals("0.0.0.0/16", auto.get("spec").get("cidr").get("ipv4").asText(), "spec echoed as sent");
        assertEquals(assigned, get(NET + "ws-net/networks/net-auto").get("status").get("cidr").get("ipv4").asText(), "stable");
        JsonNode auto2 = put(NET + "ws-net/networks/net-auto-2", network("0.0.0.0/16"), 201);
        assertFalse(assigned.equals(auto2.get("status").get("cidr").get("ipv4").asText()), "automatic ranges are distinct");

        JsonNode filtered = get(NET + "ws-net/networks?labels=env=conformance");
        filtered.get("items").forEach(i -> assertEquals("conformance", i.get("labels").get("env").asText()));
        assertEquals(3, filtered.get("items").size());
        Set<String> seen = new HashSet<>();
        String next = "";
        for (int pages = 0; next != null; pages++) {
            JsonNode page = get(NET + "ws-net/networks?limit=1" + next);
            assertEquals("networks", page.get("metadata").get("resource").asText());
            assertEquals("GET", page.get("metadata").get("verb").asText());
            page.get("items").forEach(i -> assertTrue(seen.add(i.get("metadata").get("name").asText())));
            next = page.get("metadata").has("skipToken") ? "&skipToken=" + page.get("metadata").get("skipToken").asText() : null;
            assertTrue(pages < 10);
        }
        assertEquals(Set.of("net-1", "net-2", "net-auto", "net-auto-2"), seen);
        for (String name : seen) {
            deleted(NET + "ws-net/networks/" + name);
        }
    }

    @Test
    void networkRulesAreEnforcedWithoutWritingAnything() throws Exception {
        put("/providers/seca.workspace/v1/tenants/t1/workspaces/ws-netv", "{\"spec\":{}}", 201);
        String path = NET + "ws-netv/networks/";
        refused(path + "x".repeat(129), network("10.1.0.0/16"));
        refused(path + "Upper-Case", network("10.1.0.0/16"));
        refused(path + "n", network("10.1.0.0/16").replace("\"conformance\"", "\"" + "v".repeat(64) + "\""));
        refused(path + "n", "{\"annotations\":{\"d\":\"" + "v".repeat(1025) + "\"}," + network("10.1.0.0/16").substring(1));
        refused(path + "n", network("1".repeat(19)));
        refused(path + "n", network("1.0/8"));
        refused(path + "n", network("10.1.0.0/16").replace("\"ipv4\":\"10.1.0.0/16\"", "\"ipv6\":\"" + "a".repeat(44) + "\""));
        refused(path + "n", network("10.1.0.0/16").replace("\"ipv4\":\"10.1.0.0/16\"", "\"ipv6\":\"::/\""));
        refused(path + "n", network("10.1.0.0/16").replace("\"ipv4\":\"10.1.0.0/16\"", "\"ipv6\":\"2001:db8::/56\""));
        refused(path + "n", network("8.8.0.0/16"));
        refused(path + "n", network("10.1.0.0/16").replace("seca.n1k", "non-existent-sku"));
        refused(path + "n", network("10.1.0.0/16").replace("\"spec\":{", "\"metadata\":{\"region\":\"invalid-region\"},\"spec\":{"));
        refused(NET + "non-existent-workspace/networks/n", network("10.1.0.0/16"));
        String additional = network("10.1.0.0/16").replace("\"skuRef\"", "\"additionalCidrs\":%s,\"skuRef\"");
        refused(path + "n", String.format(additional, "[{\"ipv4\":\"1.0/8\"}]"));
        refused(path + "n", String.format(additional, "[{\"ipv6\":\"" + "a".repeat(44) + "\"}]"));
        refused(path + "n", String.format(additional, "[{\"ipv4\":\"10.1.128.0/17\"}]"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            many.add("{\"ipv4\":\"172.16." + i + ".0/24\"}");
        }
        refused(path + "n", String.format(additional, many));
        refused(path + "n", "{\"spec\":{\"skuRef\":" + SKU + "}}");

        put(path + "n", network("10.1.0.0/16"), 201);
        HttpResponse<String> changed = call("PUT", path + "n", network("10.2.0.0/16"));
        assertEquals(412, changed.statusCode(), "the main CIDR is immutable");
        assertEquals(CREATED, states(get(path + "n")), "a refused update adds no condition");
        deleted(path + "n");
    }

    @Test
    void routeTablesSubnetsAndDeleteProtection() throws Exception {
        stack("ws-rt");
        String net = NET + "ws-rt/networks/net";
        JsonNode rt = get(net + "/route-tables/rt");
        assertEquals("routing-table", rt.get("metadata").get("kind").asText());
        assertEquals("networks/net/route-tables/rt", rt.get("metadata").get("resource").asText());
        assertEquals(URN + "ws-rt/networks/net/route-tables/rt", rt.get("metadata").get("ref").asText());
        assertEquals("net", rt.get("metadata").get("network").asText());
        assertEquals(URN + "ws-rt/internet-gateways/igw", rt.get("spec").get("routes").get(0).get("targetRef").get("resource").asText());
        assertEquals("active", rt.get("status").get("routes").get(0).get("state").asText());
        assertEquals(CREATED, states(rt));

        JsonNode retargeted = put(net + "/route-tables/rt", routeTable("ws-rt", "instances/never-created"), 200);
        assertEquals("active", retargeted.get("status").get("state").asText(), "a route to a later instance is accepted");
        assertEquals("pending", retargeted.get("status").get("routes").get(0).get("state").asText());
        assertEquals(UPDATED, states(get(net + "/route-tables/rt")));
        put(net + "/route-tables/rt", routeTable("ws-rt", "internet-gateways/igw"), 200);

        JsonNode rtList = get(net + "/route-tables?limit=1");
        assertEquals("networks/net/route-tables", rtList.get("metadata").get("resource").asText());
        assertEquals(1, rtList.get("items").size());
        assertEquals(0, get(NET + "ws-rt/networks").get("items").findValues("kind").stream()
                .filter(k -> !k.asText().equals("network")).count(), "children never show up among networks");

        refused(net + "/route-tables/rt-x", routeTable("ws-rt", "internet-gateways/non-existent-ig"));
        refused(NET + "ws-rt/networks/non-existent-network/route-tables/rt-x", routeTable("ws-rt", "internet-gateways/igw"));
        refused(net + "/route-tables/rt-x", "{\"spec\":{\"routes\":[]}}");
        refused(net + "/route-tables/rt-x", routeTable("ws-rt", "internet-gateways/igw").replace("0.0.0.0/0", "1".repeat(44)));
        List<String> routes = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            routes.add("{\"destinationCidrBlock\":\"0.0.0.0/0\",\"targetRef\":" + ref("ws-rt", "internet-gateways/igw") + "}");
        }
        refused(net + "/route-tables/rt-x", "{\"spec\":{\"routes\":" + routes + "}}");

        JsonNode sn = get(net + "/subnets/sn");
        assertEquals("subnet", sn.get("metadata").get("kind").asText());
        assertEquals("networks/net/subnets/sn", sn.get("metadata").get("resource").asText());
        assertEquals(URN + "ws-rt/networks/net/subnets/sn", sn.get("metadata").get("ref").asText());
        assertEquals("10.1.1.0/24", sn.get("status").get("cidr").get("ipv4").asText());
        assertNull(sn.get("spec").get("skuRef"), "no invented fields");
        put(net + "/subnets/sn", subnet("ws-rt", "net", "10.1.1.0/24", "a"), 200);
        assertEquals(UPDATED, states(get(net + "/subnets/sn")));
        put(net + "/subnets/sn-twin", subnet("ws-rt", "net", "10.1.1.0/24", "a"), 201);
        assertEquals("networks/net/subnets", get(net + "/subnets").get("metadata").get("resource").asText());
        JsonNode autoSubnet = put(net + "/subnets/sn-auto", subnet("ws-rt", "net", "0.0.0.0/24", "a"), 201);
        String carved = autoSubnet.get("status").get("cidr").get("ipv4").asText();
        assertTrue(carved.startsWith("10.1.") && !carved.equals("10.1.1.0/24"), carved);

        refused(net + "/subnets/sn-x", subnet("ws-rt", "net", "10.1.2.0/24", "invalid-zone"));
        refused(net + "/subnets/sn-x", subnet("ws-rt", "net", "10.1.2.0/24", "z".repeat(33)));
        refused(net + "/subnets/sn-x", subnet("ws-rt", "net", "192.168.99.0/24", "a"));
        refused(net + "/subnets/sn-x", subnet("ws-rt", "net", "10.1.0.0/16", "a"));
        refused(net + "/subnets/sn-x", subnet("ws-rt", "net", "10.1.2.0/24", "a").replace("route-tables/rt", "route-tables/non-existent-rt"));
        refused(NET + "ws-rt/networks/non-existent-network/subnets/sn-x", subnet("ws-rt", "non-existent-network", "10.1.2.0/24", "a"));
        refused(NET + "non-existent-workspace/networks/net/subnets/sn-x", subnet("ws-rt", "net", "10.1.2.0/24", "a"));
        assertEquals(404, call("GET", NET + "ws-rt/networks/non-existent-network/subnets", null).statusCode());

        HttpResponse<String> protectedNetwork = call("DELETE", net, null);
        assertEquals(412, protectedNetwork.statusCode(), "a network with a route table is protected: " + protectedNetwork.body());
        assertEquals(200, call("GET", net, null).statusCode());
        deleted(NET + "ws-rt/internet-gateways/igw");
        assertEquals("pending", get(net + "/route-tables/rt").get("status").get("routes").get(0).get("state").asText());
        deleted(net + "/route-tables/rt");
        deleted(net);
        assertEquals(404, call("GET", net + "/subnets/sn", null).statusCode(), "leftover subnets go with their network");
        put(NET + "ws-rt/networks/net", network("10.1.0.0/16"), 201);
        assertEquals(0, get(net + "/subnets").get("items").size(), "a recreated network starts empty");
        deleted(net);
        assertEquals(202, call("DELETE", "/providers/seca.workspace/v1/tenants/t1/workspaces/ws-rt", null).statusCode());
    }

    @Test
    void nicsKeepGivenAddressesAndGetDistinctFreeOnes() throws Exception {
        stack("ws-nic");
        String nics = NET + "ws-nic/nics/";
        String pip = ",\"publicIpRefs\":[" + ref("ws-nic", "public-ips/later-pip") + "]";
        JsonNode first = put(nics + "nic-1", nic("ws-nic", "[\"10.1.1.1\"]", pip), 201);
        assertEquals(CREATED, states(first));
        assertEquals("nics/nic-1", first.get("metadata").get("resource").asText());
        assertEquals("10.1.1.1", first.get("status").get("addresses").get(0).asText());
        assertEquals(URN + "ws-nic/public-ips/later-pip", first.get("spec").get("publicIpRefs").get(0).get("resource").asText());
        String mac = first.get("status").get("macAddress").asText();
        assertTrue(mac.matches("[0-9a-f][26ae](:[0-9a-f]{2}){5}"), "locally administered unicast MAC: " + mac);
        assertEquals(mac, get(nics + "nic-1").get("status").get("macAddress").asText(), "stable");
        JsonNode twin = put(nics + "nic-twin", nic("ws-nic", "[\"10.1.1.1\"]", ""), 201);
        assertNull(twin.get("spec").get("publicIpRefs"), "absent lists stay absent");
        assertNull(twin.get("status").get("publicIpRefs"));
        put(nics + "nic-1", nic("ws-nic", "[\"10.1.1.2\"]", pip), 200);
        assertEquals(UPDATED, states(get(nics + "nic-1")));

        Set<String> allocated = new HashSet<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<JsonNode>> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String name = "auto-" + i;
                String addresses = i % 2 == 0 ? null : "[\"0.0.0.0\"]";
                futures.add(pool.submit(() -> put(nics + name, nic("ws-nic", addresses, ""), 201)));
            }
            for (Future<JsonNode> future : futures) {
                String address = future.get().get("status").get("addresses").get(0).asText();
                assertTrue(address.startsWith("10.1.1."), address);
                int host = Integer.parseInt(address.substring("10.1.1.".length()));
                assertTrue(host > 1 && host < 255, "network, gateway and broadcast are never handed out: " + address);
                assertFalse(address.equals("10.1.1.2"), "a fixed address in use is never handed out");
                assertTrue(allocated.add(address), "concurrent allocations are distinct: " + address);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(16, allocated.size());
        String kept = get(nics + "auto-1").get("status").get("addresses").get(0).asText();
        put(nics + "auto-1", nic("ws-nic", "[\"0.0.0.0\"]", ""), 200);
        assertEquals(kept, get(nics + "auto-1").get("status").get("addresses").get(0).asText(), "an update keeps its address");
        deleted(nics + "auto-1");
        assertEquals(kept, put(nics + "reuse", nic("ws-nic", null, ""), 201).get("status").get("addresses").get(0).asText(),
                "a deleted NIC's address is free again");

        refused(nics + "nic-x", nic("ws-nic", "[\"10.1.1.3\"]", "").replace("subnets/sn", "subnets/non-existent-subnet"));
        refused(nics + "nic-x", nic("ws-nic", "[\"10.1.2.3\"]", ""));
        refused(nics + "nic-x", nic("ws-nic", "[\"" + "1".repeat(40) + "\"]", ""));
        refused(nics + "nic-x", nic("ws-nic", "[\"10.1.1.300\"]", ""));
        refused(nics + "nic-x", nic("ws-nic", "[]", ""));
        refused(nics + "nic-x", nic("ws-nic", "[\"10.1.1.3\"]", "").replace("\"spec\":{", "\"metadata\":{\"region\":\"invalid-region\"},\"spec\":{"));
        refused(NET + "non-existent-workspace/nics/nic-x", nic("ws-nic", "[\"10.1.1.3\"]", ""));
        refused(nics + "nic-x", nic("ws-nic", "[\"10.1.1.3\"]", ",\"securityGroupRefs\":[" + ref("ws-nic", "security-groups/nope") + "]"));
        refused(nics + "nic-x", nic("ws-nic", "[\"10.1.1.3\"]", ",\"skuRef\":" + SKU.replace("seca.n1k", "nope")));

        put(nics + "nic-sku", nic("ws-nic", "[\"10.1.1.3\"]", ",\"skuRef\":" + SKU), 201);
        assertEquals(412, call("PUT", nics + "nic-sku", nic("ws-nic", "[\"10.1.1.3\"]", ",\"skuRef\":"
                + SKU.replace("seca.n1k", "seca.n5k"))).statusCode(), "a NIC's SKU is immutable once set");

        JsonNode list = get(NET + "ws-nic/nics?limit=2");
        assertEquals("nics", list.get("metadata").get("resource").asText());
        assertTrue(list.get("metadata").has("skipToken"));
        deleted(nics + "nic-1");
    }

    @Test
    void publicIpsEchoGivenAddressesAndAllocateFromThePool() throws Exception {
        put("/providers/seca.workspace/v1/tenants/t1/workspaces/ws-pip", "{\"spec\":{}}", 201);
        String pips = NET + "ws-pip/public-ips/";
        JsonNode fixed = put(pips + "pip-1", "{\"spec\":{\"version\":\"IPv4\",\"address\":\"52.93.126.1\"}}", 201);
        assertEquals("52.93.126.1", fixed.get("spec").get("address").asText());
        assertEquals("52.93.126.1", fixed.get("status").get("ipAddress").asText());
        assertEquals("public-ips/pip-1", fixed.get("metadata").get("resource").asText());
        put(pips + "pip-twin", "{\"spec\":{\"version\":\"IPv4\",\"address\":\"52.93.126.1\"}}", 201);
        JsonNode moved = put(pips + "pip-1", "{\"spec\":{\"version\":\"IPv4\",\"address\":\"52.93.126.2\"}}", 200);
        assertEquals("52.93.126.2", moved.get("status").get("ipAddress").asText());
        assertEquals(UPDATED, states(get(pips + "pip-1")));

        // The test pool is 203.0.113.0/29: five usable addresses, .2 to .6 (.1 is the uplink's gateway).
        Set<String> allocated = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            JsonNode auto = put(pips + "auto-" + i, "{\"spec\":{\"version\":\"IPv4\"}}", 201);
            assertNull(auto.get("spec").get("address"), "the spec is echoed as sent");
            String address = auto.get("status").get("ipAddress").asText();
            assertTrue(address.matches("203\\.0\\.113\\.[2-6]"), address);
            assertTrue(allocated.add(address));
        }
        refused(pips + "auto-full", "{\"spec\":{\"version\":\"IPv4\"}}");
        String v6 = put(pips + "auto-v6", "{\"spec\":{\"version\":\"IPv6\"}}", 201).get("status").get("ipAddress").asText();
        assertTrue(v6.startsWith("2001:db8:5eca::"), v6);
        deleted(pips + "auto-0");
        assertTrue(allocated.contains(put(pips + "auto-again", "{\"spec\":{\"version\":\"IPv4\"}}", 201)
                .get("status").get("ipAddress").asText()), "a released address is reused");

        refused(pips + "pip-x", "{\"spec\":{\"version\":\"IPv5\"}}");
        refused(pips + "pip-x", "{\"spec\":{\"version\":\"IPv4\",\"address\":\"" + "1".repeat(40) + "\"}}");
        refused(pips + "pip-x", "{\"spec\":{\"version\":\"IPv4\",\"address\":\"2001:db8::1\"}}");
        refused(pips + "pip-x", "{\"metadata\":{\"region\":\"invalid-region\"},\"spec\":{\"version\":\"IPv4\"}}");
        refused(NET + "non-existent-workspace/public-ips/pip-x", "{\"spec\":{\"version\":\"IPv4\"}}");

        stack("ws-pip2");
        put(NET + "ws-pip2/public-ips/pip", "{\"spec\":{\"version\":\"IPv4\",\"address\":\"52.93.126.1\"}}", 201);
        put(NET + "ws-pip2/nics/nic", nic("ws-pip2", "[\"10.1.1.5\"]", ",\"publicIpRefs\":[" + ref("ws-pip2", "public-ips/pip") + "]"), 201);
        assertEquals("nics/nic", get(NET + "ws-pip2/public-ips/pip").get("status").get("attachedTo").get("resource").asText());
        assertEquals("public-ips", get(NET + "ws-pip/public-ips").get("metadata").get("resource").asText());
    }

    @Test
    void securityGroupsRulesAndGateways() throws Exception {
        put("/providers/seca.workspace/v1/tenants/t1/workspaces/ws-sg", "{\"spec\":{}}", 201);
        String rules = NET + "ws-sg/security-group-rules/";
        String groups = NET + "ws-sg/security-groups/";
        JsonNode rule = put(rules + "rule-1", "{\"spec\":{\"direction\":\"ingress\"}}", 201);
        assertEquals("security-group-rule", rule.get("metadata").get("kind").asText());
        put(rules + "rule-1", "{\"spec\":{\"direction\":\"egress\",\"protocol\":\"tcp\",\"ports\":{\"from\":80,\"to\":443,"
                + "\"list\":[8080]},\"sourceRef\":[\"10.0.0.0/8\"," + ref("ws-sg", "security-groups/sg-1") + "]}}", 200);
        assertEquals(UPDATED, states(get(rules + "rule-1")));

        String ruleRefs = "[" + ref("ws-sg", "security-group-rules/rule-1") + "]";
        JsonNode group = put(groups + "sg-1", "{\"spec\":{\"ruleRefs\":" + ruleRefs + "}}", 201);
        assertEquals(JSON.readTree(ruleRefs), group.get("spec").get("ruleRefs"));
        assertNull(group.get("spec").get("rules"), "absent lists stay absent");
        assertEquals("active", group.get("status").get("rules").get(0).get("state").asText());
        put(groups + "sg-1", "{\"spec\":{\"rules\":[{\"direction\":\"ingress\"}]}}", 200);
        assertEquals(UPDATED, states(get(groups + "sg-1")));
        put(groups + "sg-2", "{\"spec\":{\"ruleRefs\":" + ruleRefs + "}}", 201);
        deleted(rules + "rule-1");
        assertEquals("pending", get(groups + "sg-2").get("status").get("rules").get(0).get("state").asText(),
                "a rule referenced by a group stays deletable");

        for (String bad : List.of("{\"direction\":\"invalid-direction\"}", "{\"direction\":\"ingress\",\"version\":\"IPv5\"}",
                "{\"direction\":\"ingress\",\"protocol\":\"ftp\"}", "{\"direction\":\"ingress\",\"ports\":{\"from\":65536}}",
                "{\"direction\":\"ingress\",\"ports\":{\"from\":-1}}", "{\"direction\":\"ingress\",\"ports\":{\"to\":65536}}",
                "{\"direction\":\"ingress\",\"ports\":{\"to\":0}}", "{\"direction\":\"ingress\",\"ports\":{\"list\":[65536]}}",
                "{\"direction\":\"ingress\",\"ports\":{\"list\":[0]}}", "{\"direction\":\"ingress\",\"icmp\":{\"type\":9,\"code\":0}}",
                "{\"direction\":\"ingress\",\"icmp\":{\"type\":0,\"code\":6}}", "{}")) {
            refused(rules + "rule-x", "{\"spec\":" + bad + "}");
            refused(groups + "sg-x", "{\"spec\":{\"rules\":[" + bad + "]}}");
        }
        refused(groups + "sg-x", "{\"spec\":{\"ruleRefs\":[" + ref("ws-sg", "security-group-rules/non-existent-rule") + "]}}");
        refused(NET + "non-existent-workspace/security-groups/sg-x", "{\"spec\":{}}");
        refused(NET + "non-existent-workspace/security-group-rules/rule-x", "{\"spec\":{\"direction\":\"ingress\"}}");
        refused(rules + "rule-x", "{\"metadata\":{\"region\":\"invalid-region\"},\"spec\":{\"direction\":\"ingress\"}}");

        String igws = NET + "ws-sg/internet-gateways/";
        JsonNode igw = put(igws + "igw-1", "{\"spec\":{\"egressOnly\":false}}", 201);
        assertEquals("internet-gateways/igw-1", igw.get("metadata").get("resource").asText());
        assertEquals("active", put(igws + "igw-1", "{\"spec\":{\"egressOnly\":true}}", 200).get("status").get("state").asText());
        assertEquals(UPDATED, states(get(igws + "igw-1")));
        assertTrue(get(igws + "igw-1").get("spec").get("egressOnly").asBoolean());
        refused(igws + "igw-x", "{\"spec\":{\"egressOnly\":\"yes\"}}");
        refused(igws + "Bad", "{\"spec\":{}}");
        refused(NET + "non-existent-workspace/internet-gateways/igw-x", "{\"spec\":{}}");
        assertEquals("internet-gateways", get(NET + "ws-sg/internet-gateways").get("metadata").get("resource").asText());
        assertEquals("security-groups", get(NET + "ws-sg/security-groups").get("metadata").get("resource").asText());
        deleted(groups + "sg-1");
        deleted(igws + "igw-1");
    }
}
