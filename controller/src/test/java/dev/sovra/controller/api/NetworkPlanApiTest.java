package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.store.Repository;
import dev.sovra.model.Instance;
import dev.sovra.model.NicSpec;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.SegmentObservation;
import dev.sovra.model.network.Subnet;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SECA network resources and instances, created over real HTTP, turned into each node's network spec by the
 * controller's {@link NetworkReconciler} (the instances are placed by hand: no agent is connected).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkPlanApiTest extends SecaApiTest {
    private static final String NET = "/providers/seca.network/v1/tenants/t1/workspaces/";
    private static final String COMPUTE = "/providers/seca.compute/v1/tenants/t1/workspaces/";
    private static final String SKU = "{\"resource\":\"seca.network/v1/tenants/t1/skus/seca.n1k\"}";

    @Inject
    NetworkReconciler reconciler;

    @Inject
    Repository<Instance> instances;

    @BeforeAll
    void stack() throws Exception {
        for (String ws : List.of("wn", "wother")) {
            put("/providers/seca.workspace/v1/tenants/t1/workspaces/" + ws, "{\"spec\":{}}");
            put("/providers/seca.storage/v1/tenants/t1/workspaces/" + ws + "/block-storages/boot",
                    "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}");
            put(NET + ws + "/networks/net", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.20.0.0/16\"},\"skuRef\":" + SKU + "}}");
            put(NET + ws + "/internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}");
            put(NET + ws + "/networks/net/route-tables/rt", "{\"spec\":{\"routes\":[{\"destinationCidrBlock\":\"0.0.0.0/0\","
                    + "\"targetRef\":\"internet-gateways/igw\"}]}}");
            put(NET + ws + "/networks/net/subnets/sn", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.20.1.0/24\"},\"zone\":\"a\","
                    + "\"routeTableRef\":\"networks/net/route-tables/rt\"}}");
        }
        put(NET + "wn/security-group-rules/ping", "{\"spec\":{\"direction\":\"ingress\",\"protocol\":\"icmp\","
                + "\"sourceRef\":[\"10.20.0.0/16\"]}}");
        put(NET + "wn/security-groups/sg", "{\"spec\":{\"ruleRefs\":[\"security-group-rules/ping\"],"
                + "\"rules\":[{\"direction\":\"ingress\",\"protocol\":\"tcp\",\"ports\":{\"from\":22,\"to\":22},"
                + "\"sourceRef\":[\"security-groups/peers\"]}]}}");
        put(NET + "wn/security-groups/peers", "{\"spec\":{}}");
        for (String nic : List.of("nic-a", "nic-b", "nic-c", "nic-d")) {
            put(NET + "wn/nics/" + nic, "{\"spec\":{\"subnetRef\":\"networks/net/subnets/sn\","
                    + "\"securityGroupRefs\":[\"security-groups/peers\"]}}");
        }
        put(NET + "wother/nics/nic-x", "{\"spec\":{\"subnetRef\":\"networks/net/subnets/sn\"}}");
        instance("vm-a", "nic-a", "");
        instance("vm-b", "nic-b", "");
        // The API refuses these references (instanceWithBadNicReferencesIsRefused); written behind its back they
        // stand for instances stored before the checks, which the reconciler must survive.
        instance("vm-late", "nic-c", "");
        storedSpec("vm-late", Map.of("primaryNicRef", "nics/nic-a")); // nic-a already belongs to vm-a
        instance("vm-cross", "nic-c", "");
        storedSpec("vm-cross", Map.of("primaryNicRef", "nics/nic-c",
                "additionalNicRefs", List.of(Map.of("resource", "nics/nic-x", "workspace", "wother"))));
    }

    @Test
    void instanceWithBadNicReferencesIsRefused() throws Exception {
        HttpResponse<String> missing = instanceCall("vm-bad", "nic-nope", "");
        assertRefused(missing);
        assertEquals("http://secapi.cloud/errors/validation-error", json(missing).get("type").asText());
        assertTrue(json(missing).get("detail").asText().contains("spec.primaryNicRef: nic nic-nope does not exist"), missing.body());

        HttpResponse<String> taken = instanceCall("vm-bad", "nic-b", "");
        assertRefused(taken);
        assertEquals("http://secapi.cloud/errors/resource-conflict", json(taken).get("type").asText());
        assertTrue(json(taken).get("detail").asText().contains("nic nic-b is already used by instance vm-b"), taken.body());

        HttpResponse<String> elsewhere = instanceCall("vm-bad", "nic-c",
                ",\"additionalNicRefs\":[{\"resource\":\"nics/nic-x\",\"workspace\":\"wother\"}]");
        assertRefused(elsewhere);
        assertEquals("http://secapi.cloud/errors/validation-error", json(elsewhere).get("type").asText());
        assertTrue(json(elsewhere).get("detail").asText().contains("spec.additionalNicRefs[0] points into workspace wother"),
                elsewhere.body());

        HttpResponse<String> twice = instanceCall("vm-bad", "nic-c", ",\"additionalNicRefs\":[\"nics/nic-c\"]");
        assertRefused(twice);
        assertEquals(404, call("GET", COMPUTE + "wn/instances/vm-bad", null).statusCode(), "nothing written");

        HttpResponse<String> update = instanceCall("vm-b", "nic-b", "");
        assertEquals(200, update.statusCode(), "an instance may keep its own NIC: " + update.body());
    }

    /** Replaces the stored instance's NIC references as if written before the API checked them. */
    private void storedSpec(String name, Map<String, Object> nicRefs) {
        instances.update(Instance.path("t1", "wn", name), instance -> {
            Map<String, Object> spec = new java.util.HashMap<>(instance.spec());
            spec.putAll(nicRefs);
            return instance.withEnvelope(instance.labels(), instance.annotations(), instance.extensions(), spec);
        }).orElseThrow();
    }

    @Test
    void oneNodeGetsSegmentNicsAndSecurityGroups() throws Exception {
        List<Node> nodes = List.of(node("n1", "192.0.2.1"));
        NetworkReconciler.Plan plan = reconciler.pass(nodes, placed(Map.of("vm-a", "n1", "vm-b", "n1", "vm-late", "n1")));
        NodeNetworkSpec spec = plan.network("n1");

        assertEquals(1, spec.segments().size());
        Segment segment = spec.segments().get(0);
        assertEquals("tenants/t1/workspaces/wn/networks/net", segment.networkId());
        assertEquals(List.of(new Subnet("10.20.1.0/24", "10.20.1.1", "10.20.1.254")), segment.subnets());
        assertEquals(List.of(), segment.remoteEndpoints());

        assertEquals(List.of("tenants/t1/workspaces/wn/nics/nic-a", "tenants/t1/workspaces/wn/nics/nic-b"),
                spec.nics().stream().map(NicPort::portId).sorted().toList(), "vm-late gets no NIC: nic-a is vm-a's");
        for (String name : List.of("nic-a", "nic-b")) {
            JsonNode status = get(NET + "wn/nics/" + name).get("status");
            NicPort port = spec.nics().stream().filter(n -> n.portId().endsWith("/" + name)).findFirst().orElseThrow();
            assertEquals(status.get("macAddress").asText(), port.mac());
            assertEquals(List.of(status.get("addresses").get(0).asText()), port.ipv4(), "the NIC's IPAM address");
            assertEquals(List.of("tenants/t1/workspaces/wn/security-groups/peers"), port.securityGroupIds());
        }
        NicPort a = spec.nics().stream().filter(n -> n.portId().endsWith("/nic-a")).findFirst().orElseThrow();
        assertEquals(List.of(new NicSpec(a.device(), a.mac())), plan.nics(uid("vm-a")), "libvirt creates the tap the port binds");
        assertEquals(List.of(), plan.nics(uid("vm-late")));
        assertEquals(spec.segments(), reconciler.pass(nodes, placed(Map.of("vm-a", "n1"))).network("n1").segments(),
                "the VNI stays");
    }

    @Test
    void instanceSecurityGroupAddsTheSecaRules() throws Exception {
        put(COMPUTE + "wn/instances/vm-sg", "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot\"},\"primaryNicRef\":\"nics/nic-d\","
                + "\"securityGroupRef\":\"security-groups/sg\"}}");
        NodeNetworkSpec spec = reconciler.pass(List.of(node("n1", "192.0.2.1")), placed(Map.of("vm-sg", "n1"))).network("n1");
        NicPort c = spec.nics().get(0);
        assertEquals(List.of("tenants/t1/workspaces/wn/security-groups/peers", "tenants/t1/workspaces/wn/security-groups/sg"),
                c.securityGroupIds());
        SecurityGroup sg = spec.securityGroup("tenants/t1/workspaces/wn/security-groups/sg");
        assertTrue(sg.rules().contains(SecurityRule.egress(Protocol.ANY, null, null)), "scs-0115: all egress");
        assertTrue(sg.rules().contains(SecurityRule.ingress(Protocol.ICMP, null, "10.20.0.0/16")), sg.rules().toString());
        assertTrue(sg.rules().contains(SecurityRule.ingressFromGroup(Protocol.TCP, dev.sovra.model.network.PortRange.single(22),
                "tenants/t1/workspaces/wn/security-groups/peers")), sg.rules().toString());
        call("DELETE", COMPUTE + "wn/instances/vm-sg", null);
    }

    @Test
    void nicsOnTwoNodesSeeEachOtherThroughTheTunnel() throws Exception {
        List<Node> nodes = List.of(node("n1", "192.0.2.1"), node("n2", "192.0.2.2"), node("n3", null));
        NetworkReconciler.Plan plan = reconciler.pass(nodes, placed(Map.of("vm-a", "n1", "vm-b", "n2")));
        NodeNetworkSpec one = plan.network("n1");
        assertEquals(List.of("192.0.2.2"), one.segments().get(0).remoteEndpoints());
        RemoteNic b = one.remoteNics().get(0);
        assertEquals("tenants/t1/workspaces/wn/nics/nic-b", b.portId());
        assertEquals("192.0.2.2", b.endpoint());
        assertEquals(plan.network("n2").nics().get(0).mac(), b.mac());
        assertNull(plan.network("n3"), "a node without an underlay gets no network spec");
    }

    @Test
    void nicsAndNetworkTurnActiveOnceEveryNodeReportsTheSegment() throws Exception {
        List<Node> nodes = List.of(node("s1", "192.0.2.11"), node("s2", "192.0.2.12"));
        Map<String, String> placement = Map.of("vm-a", "s1", "vm-b", "s2");
        NetworkReconciler.Plan plan = reconciler.pass(nodes, placed(placement));
        assertEquals("pending", state(NET + "wn/nics/nic-a"), "no node has reported the segment yet");
        assertEquals("pending", state(NET + "wn/nics/nic-b"));
        assertEquals("updating", state(NET + "wn/networks/net"));
        assertEquals("active", state(NET + "wother/networks/net"), "a network no instance uses stays as created");

        reconciler.observe("s1", plan.network("s1").segments().stream().map(SegmentObservation::of).toList());
        reconciler.pass(nodes, placed(placement));
        assertEquals("active", state(NET + "wn/nics/nic-a"), "its node carries the segment");
        assertEquals("pending", state(NET + "wn/nics/nic-b"));
        assertEquals("updating", state(NET + "wn/networks/net"), "s2 has not programmed it yet");

        Segment other = plan.network("s2").segments().get(0);
        reconciler.observe("s2", List.of(new SegmentObservation(other.networkId(), other.vni() + 1)));
        reconciler.pass(nodes, placed(placement));
        assertEquals("pending", state(NET + "wn/nics/nic-b"), "a segment of another VNI (an older network of that name) does not count");

        reconciler.observe("s2", List.of(SegmentObservation.of(other)));
        reconciler.pass(nodes, placed(placement));
        assertEquals("active", state(NET + "wn/nics/nic-b"));
        assertEquals("active", state(NET + "wn/networks/net"));
    }

    private String state(String path) throws Exception {
        return get(path).get("status").get("state").asText();
    }

    @Test
    void nicOfAnotherWorkspaceIsLeftOut() throws Exception {
        NetworkReconciler.Plan plan = reconciler.pass(List.of(node("n1", "192.0.2.1")), placed(Map.of("vm-cross", "n1")));
        assertEquals(List.of("tenants/t1/workspaces/wn/nics/nic-c"),
                plan.network("n1").nics().stream().map(NicPort::portId).toList());
    }

    private void instance(String name, String nic, String extra) throws Exception {
        HttpResponse<String> response = instanceCall(name, nic, extra);
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, name + ": " + response.body());
    }

    private HttpResponse<String> instanceCall(String name, String nic, String extra) throws Exception {
        return call("PUT", COMPUTE + "wn/instances/" + name, "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot\"},\"primaryNicRef\":\"nics/" + nic + "\"" + extra + "}}");
    }

    /** The named instances as if the scheduler had placed them, oldest first (as the instance reconciler passes them). */
    private List<Instance> placed(Map<String, String> nodeByInstance) {
        List<Instance> out = new ArrayList<>();
        for (Repository.Versioned<Instance> entry : instances.list()) {
            Instance instance = entry.value();
            if (instance.workspace().equals("wn") && nodeByInstance.containsKey(instance.name())) {
                out.add(instance.withNode(nodeByInstance.get(instance.name())));
            }
        }
        out.sort(Comparator.comparing(i -> i.metadata().createdAt()));
        return out;
    }

    private String uid(String instance) {
        return instances.list().stream().map(Repository.Versioned::value)
                .filter(i -> i.workspace().equals("wn") && i.name().equals(instance)).findFirst().orElseThrow().uid();
    }

    private static Node node(String id, String underlayIp) {
        NodeInventory inventory = new NodeInventory(id, "cpu", 8, 16384, List.of(), List.of("qemu"), "qemu", "generic", "a");
        if (underlayIp != null) {
            inventory = inventory.withUnderlay(new Underlay(underlayIp, TunnelType.VXLAN));
        }
        return new Node(id, inventory, NodeState.READY, 4, 1, 0, Instant.now(), Instant.now());
    }

    private void put(String path, String body) throws Exception {
        HttpResponse<String> response = call("PUT", path, body);
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, path + ": " + response.body());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = call("GET", path, null);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }
}
