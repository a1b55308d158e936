package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes (two agents on one host, sharing libvirt and the Ceph pool): local volumes stay on the node that
 * holds them, so an instance goes where its local volume is and local volumes of two nodes are never attached
 * together (a clear 412), while a Ceph volume is attached by whichever node runs the instance.
 */
class TwoNodeStorageSystemTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final String WS = "/providers/seca.workspace/v1/tenants/systest/workspaces/ws";
    private static final String BS = "/providers/seca.storage/v1/tenants/systest/workspaces/ws/block-storages/";
    private static Appliance appliance;
    private static String secondNode;

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("two-nodes", true);
        appliance.start();
        secondNode = appliance.nodeName + "-b";
        appliance.startSecondNode(secondNode);
        appliance.await(READY, "two ready nodes", () -> {
            int ready = 0;
            for (JsonNode node : Appliance.json(appliance.call("GET", "/internal/v1/nodes", null))) {
                ready += node.get("state").asText().equals("ready") ? 1 : 0;
            }
            return ready == 2;
        });
        appliance.put(WS, "{\"spec\":{}}");
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void localVolumesPinTheirInstancesAndNeverCrossNodes() {
        storage("local-1", "seca.ld500");
        storage("local-2", "seca.ld500");
        appliance.awaitState(BS + "local-1", "active", READY);
        appliance.awaitState(BS + "local-2", "active", READY);
        String node1 = volumeNode("local-1");
        String node2 = volumeNode("local-2");
        assertNotEquals(node1, node2, "the second local volume goes to the emptier node");

        HttpResponse<String> crossing = appliance.call("PUT", Appliance.COMPUTE + "/instances/vm-cross", instance("local-1", "local-2"));
        assertEquals(412, crossing.statusCode(), crossing.body());
        assertTrue(Appliance.json(crossing).get("detail").asText().contains("local volumes do not cross nodes"), crossing.body());
        assertEquals(404, appliance.instance("vm-cross").statusCode(), "nothing written");

        for (String volume : List.of("local-1", "local-2")) {
            String name = "vm-" + volume;
            appliance.put(Appliance.COMPUTE + "/instances/" + name, instance(volume, null));
            assertEquals(202, appliance.action(name, "start").statusCode());
            appliance.awaitInstance(name, "active", "on", Duration.ofSeconds(120));
            assertEquals(volumeNode(volume), instanceNode(appliance.uid(name)), name + " runs where its local volume is");
        }

        // A Ceph volume is attached by whichever node runs the instance, whichever node manages the volume.
        storage("remote-1", "seca.rd500");
        appliance.awaitState(BS + "remote-1", "active", READY);
        appliance.put(Appliance.COMPUTE + "/instances/vm-remote", instance("remote-1", null));
        assertEquals(202, appliance.action("vm-remote", "start").statusCode());
        appliance.awaitInstance("vm-remote", "active", "on", Duration.ofSeconds(120));
        String uid = appliance.uid("vm-remote");
        appliance.await(Duration.ofSeconds(120), "vm-remote sees its Ceph boot volume",
                () -> consoleOf(uid).contains("SOVRA-GUEST-DISK vda sectors=" + 1024L * 1024 * 1024 / 512));

        for (String name : List.of("vm-local-1", "vm-local-2", "vm-remote")) {
            assertEquals(202, appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + name, null).statusCode());
        }
        for (String name : List.of("vm-local-1", "vm-local-2", "vm-remote")) {
            appliance.await(READY, name + " deleted", () -> appliance.instance(name).statusCode() == 404);
        }
        for (String name : List.of("local-1", "local-2", "remote-1")) {
            assertEquals(202, appliance.call("DELETE", BS + name, null).statusCode());
        }
        appliance.await(READY, "no volume records left", () -> appliance.storageRecords("volumes").isEmpty());
    }

    private static void storage(String name, String sku) {
        appliance.put(BS + name, "{\"spec\":{\"skuRef\":{\"resource\":\"seca.storage/v1/tenants/systest/skus/" + sku + "\"},"
                + "\"sizeGB\":1}}");
    }

    private static String instance(String boot, String data) {
        return "{\"spec\":{\"skuRef\":{\"resource\":\"seca.compute/v1/tenants/systest/skus/seca.d2xs\"},\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":{\"resource\":\"block-storages/" + boot + "\"}}"
                + (data == null ? "" : ",\"dataVolumes\":[{\"deviceRef\":{\"resource\":\"block-storages/" + data + "\"}}]") + "}}";
    }

    private static String volumeNode(String blockStorage) {
        for (JsonNode volume : appliance.storageRecords("volumes")) {
            if (volume.get("ref").asText().endsWith("/block-storages/" + blockStorage)) {
                return volume.get("node").asText();
            }
        }
        throw new AssertionError("no volume record for " + blockStorage);
    }

    private static String instanceNode(String uid) {
        for (JsonNode instance : Appliance.json(appliance.call("GET", "/internal/v1/instances", null))) {
            if (instance.get("uid").asText().equals(uid)) {
                return instance.get("node").asText();
            }
        }
        throw new AssertionError("no instance " + uid);
    }

    /** The console of an instance on either node. */
    private static String consoleOf(String uid) {
        String first = appliance.console(uid);
        return first.isEmpty() ? appliance.consoleOn(secondNode, uid) : first;
    }
}
