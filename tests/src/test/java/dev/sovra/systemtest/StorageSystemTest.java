package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Block storages and images on a real backend, driven through the SECA API with real guests: data written by
 * one guest is read by another after detach and attach, a volume grows under a guest, an image is copied from
 * a volume and three guests boot from copy-on-write clones of it, a volume in use is never deleted, and a
 * kill -9 of the agent mid-create converges; at the end nothing is left on the backend. One subclass per
 * backend runs the same list.
 *
 * <p>The guest marks every empty disk with {@code SOVRA-DATA <its uuid>} and prints each disk's first bytes at
 * boot ({@code SOVRA-GUEST-DISK vdX sectors=N head=...}), which is how data is followed between guests.
 */
abstract class StorageSystemTest {
    static final String WS = "/providers/seca.workspace/v1/tenants/systest/workspaces/ws";
    static final String BS = "/providers/seca.storage/v1/tenants/systest/workspaces/ws/block-storages/";
    static final String IMAGES = "/providers/seca.storage/v1/tenants/systest/images/";
    static final Duration READY = Duration.ofSeconds(60);
    static final Duration BOOT = Duration.ofSeconds(120);
    static final long GIB_SECTORS = 1024L * 1024 * 1024 / 512;

    static Appliance appliance;

    /** Starts the appliance with this backend; called by each subclass's {@code @BeforeAll}. */
    static void startAppliance(String name, boolean ceph) {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance(name, ceph);
        appliance.start();
        appliance.put(WS, "{\"spec\":{}}");
    }

    @AfterAll
    static void stopAppliance() {
        if (appliance != null) {
            appliance.close();
            appliance = null;
        }
    }

    /** The storage SKU whose volumes live on the backend under test. */
    abstract String sku();

    /** The backend the volumes must be recorded on. */
    abstract String backend();

    /** Which of {@code uids} still exist on the backend (volumes and images). */
    abstract Set<String> onBackend(Set<String> uids);

    @Test
    void dataFollowsVolumesAcrossGuestsImagesAndClones() {
        storage("data", 20, null);
        storage("boot-a", 1, null);
        storage("boot-b", 1, null);
        JsonNode data = appliance.awaitState(BS + "data", "active", READY);
        assertEquals(20, data.get("status").get("sizeGB").asInt());
        appliance.awaitState(BS + "boot-a", "active", READY);
        appliance.awaitState(BS + "boot-b", "active", READY);

        // Guest A writes its mark on the data volume.
        instance("vm-a", "boot-a", List.of("data"));
        start("vm-a");
        String a = appliance.uid("vm-a");
        awaitConsole(a, "vm-a marks its data volume", () -> appliance.console(a).contains("SOVRA-GUEST-WROTE vdb SOVRA-DATA " + a));
        assertTrue(appliance.console(a).contains("SOVRA-GUEST-DISK vdb sectors=" + 20 * GIB_SECTORS), appliance.console(a));

        // One running instance per volume: B cannot start with it while A runs.
        instance("vm-b", "boot-b", List.of("data"));
        appliance.awaitInstance("vm-b", "active", "off", READY);
        assertEquals(412, appliance.action("vm-b", "start").statusCode(), "data is attached to running vm-a");
        assertEquals(412, appliance.call("DELETE", BS + "data", null).statusCode(), "a volume in use is not deleted");

        // Detach from A (stopped), then B boots with it and reads A's mark.
        assertEquals(202, appliance.action("vm-a", "stop").statusCode());
        appliance.awaitInstance("vm-a", "active", "off", READY);
        instance("vm-a", "boot-a", List.of());
        start("vm-b");
        String b = appliance.uid("vm-b");
        awaitConsole(b, "vm-b reads vm-a's data", () -> appliance.console(b).contains("SOVRA-GUEST-DISK vdb sectors=" + 20 * GIB_SECTORS + " head=SOVRA-DATA " + a));

        // Grow to 30 GB under the running guest; it sees the new size after a restart.
        storage("data", 30, null);
        JsonNode grown = appliance.awaitState(BS + "data", "active", READY);
        assertEquals(30, grown.get("status").get("sizeGB").asInt());
        assertEquals(List.of("active", "updating", "active", "creating", "pending"), states(grown));
        assertEquals(202, appliance.action("vm-b", "restart").statusCode());
        awaitConsole(b, "vm-b sees 30 GB", () -> appliance.console(b).contains("SOVRA-GUEST-DISK vdb sectors=" + 30 * GIB_SECTORS + " head=SOVRA-DATA " + a));

        // An image of the data volume, and three guests booting from clones of it. The image is copied once
        // no guest writes the volume (on every backend alike): it waits, creating, while vm-b runs.
        appliance.put(IMAGES + "golden", "{\"spec\":{\"blockStorageRef\":{\"resource\":\"workspaces/ws/block-storages/data\"},"
                + "\"cpuArchitecture\":\"amd64\"}}");
        assertEquals("creating", Appliance.json(appliance.call("GET", IMAGES + "golden", null)).get("status").get("state").asText());
        assertEquals(202, appliance.action("vm-b", "stop").statusCode());
        JsonNode image = appliance.awaitState(IMAGES + "golden", "active", READY);
        assertTrue(image.get("status").get("sizeMB").asLong() >= 30 * 1024, image.toString());
        // vm-a and vm-b are done: free their node capacity (stopped instances still hold it) for three guests.
        for (String name : List.of("vm-a", "vm-b")) {
            assertEquals(202, appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + name, null).statusCode());
        }
        for (String name : List.of("vm-a", "vm-b")) {
            appliance.await(READY, name + " deleted", () -> appliance.instance(name).statusCode() == 404);
        }
        List<String> clones = List.of("clone-1", "clone-2", "clone-3");
        long cloneStart = System.nanoTime();
        for (String clone : clones) {
            storage(clone, 30, "images/golden");
        }
        for (String clone : clones) {
            appliance.awaitState(BS + clone, "active", READY);
        }
        System.out.printf("measure: 3 clones of a 30 GB image active via the API in %d ms (backend %s)%n",
                (System.nanoTime() - cloneStart) / 1_000_000, backend());
        for (String clone : clones) {
            instance("vm-" + clone, clone, List.of());
            start("vm-" + clone);
        }
        for (String clone : clones) {
            String uid = appliance.uid("vm-" + clone);
            awaitConsole(uid, "vm-" + clone + " boots from its clone", () -> appliance.console(uid).contains("SOVRA-GUEST-DISK vda sectors=" + 30 * GIB_SECTORS + " head=SOVRA-DATA " + a));
        }

        // The image may go while clones exist (their data keeps it on the backend), then everything goes.
        Set<String> uids = recordedUids(List.of("data", "boot-a", "boot-b", "clone-1", "clone-2", "clone-3", "golden"));
        assertEquals(7, uids.size(), "6 volumes and one image: " + uids);
        assertEquals(202, appliance.call("DELETE", IMAGES + "golden", null).statusCode());
        for (String name : List.of("vm-clone-1", "vm-clone-2", "vm-clone-3")) {
            assertEquals(202, appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + name, null).statusCode());
        }
        for (String name : List.of("vm-clone-1", "vm-clone-2", "vm-clone-3")) {
            appliance.await(READY, name + " deleted", () -> appliance.instance(name).statusCode() == 404);
        }
        for (String name : List.of("data", "boot-a", "boot-b", "clone-1", "clone-2", "clone-3")) {
            HttpResponse<String> deleted = appliance.call("DELETE", BS + name, null);
            assertEquals(202, deleted.statusCode(), deleted.body());
        }
        awaitNothingLeft(uids);
    }

    @Test
    void theNodeReportsTheSpaceOfItsBackends() {
        JsonNode node = Appliance.json(appliance.call("GET", "/internal/v1/nodes", null)).get(0);
        boolean reported = false;
        for (JsonNode capacity : node.get("storage")) {
            if (capacity.get("backend").asText().equals(backend())) {
                assertTrue(capacity.get("totalMiB").asLong() > 0 && capacity.get("freeMiB").asLong() > 0, capacity.toString());
                assertTrue(capacity.get("freeMiB").asLong() <= capacity.get("totalMiB").asLong(), capacity.toString());
                reported = true;
            }
        }
        assertTrue(reported, "no " + backend() + " capacity in " + node);
    }

    @Test
    void killingTheAgentMidCreateAndTheControllerMidDeleteLeavesNoOrphans() {
        List<String> names = List.of("crash-1", "crash-2", "crash-3", "crash-4", "crash-5");
        for (String name : names) {
            storage(name, 2, null);
        }
        appliance.killAgent();
        appliance.startAgent(null);
        for (String name : names) {
            appliance.awaitState(BS + name, "active", READY);
        }
        Set<String> uids = recordedUids(names);
        assertEquals(names.size(), onBackend(uids).size(), "exactly one volume per block storage: " + onBackend(uids));
        for (String name : names) {
            assertEquals(202, appliance.call("DELETE", BS + name, null).statusCode());
        }
        appliance.killController(); // mid-delete: the tombstones are durable, the restarted controller finishes
        appliance.startController();
        awaitNothingLeft(uids);
    }

    @Test
    void anOperatorImportsAnImageFileThatGuestsBootFrom() throws Exception {
        // A qcow2 file with a mark where a guest looks (the first bytes of its disk), as an operator would import.
        String mark = "SOVRA-DATA imported-" + Long.toHexString(System.nanoTime());
        Path raw = appliance.home.resolve("import.raw");
        Path qcow2 = appliance.home.resolve("import.qcow2");
        try (RandomAccessFile file = new RandomAccessFile(raw.toFile(), "rw")) {
            file.setLength(64L * 1024 * 1024);
            file.write(mark.getBytes(StandardCharsets.US_ASCII));
        }
        Appliance.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
        assertTrue(Files.size(qcow2) > 0);

        HttpResponse<String> accepted = appliance.call("POST", "/internal/v1/images/import", "{\"tenant\":\"systest\","
                + "\"name\":\"imported\",\"file\":\"" + qcow2 + "\",\"backend\":\"" + backend() + "\","
                + "\"annotations\":{\"os_distro\":\"sovra-test-guest\",\"os_version\":\"1\"}}");
        assertEquals(202, accepted.statusCode(), accepted.body());
        JsonNode image = appliance.awaitState(IMAGES + "imported", "active", READY);
        assertEquals(64, image.get("status").get("sizeMB").asInt(), image.toString());
        assertEquals("sovra-test-guest", image.get("annotations").get("os_distro").asText(), "SCS scs-0102 metadata");
        assertEquals(qcow2.toString(), image.get("annotations").get("image_source").asText());
        assertEquals("amd64", image.get("spec").get("cpuArchitecture").asText());
        assertEquals(202, appliance.call("POST", "/internal/v1/images/import", "{\"tenant\":\"systest\",\"name\":\"imported\","
                + "\"file\":\"" + qcow2 + "\"}").statusCode(), "importing again is harmless");

        storage("from-import", 1, "images/imported");
        appliance.awaitState(BS + "from-import", "active", READY);
        instance("vm-import", "from-import", List.of());
        start("vm-import");
        String uid = appliance.uid("vm-import");
        awaitConsole(uid, "vm-import boots from the imported image", () -> appliance.console(uid)
                .contains("SOVRA-GUEST-DISK vda sectors=" + GIB_SECTORS + " head=" + mark));

        Set<String> uids = recordedUids(List.of("imported", "from-import"));
        assertEquals(2, uids.size(), uids.toString());
        assertEquals(202, appliance.call("DELETE", Appliance.COMPUTE + "/instances/vm-import", null).statusCode());
        appliance.await(READY, "vm-import deleted", () -> appliance.instance("vm-import").statusCode() == 404);
        assertEquals(202, appliance.call("DELETE", IMAGES + "imported", null).statusCode());
        assertEquals(202, appliance.call("DELETE", BS + "from-import", null).statusCode());
        awaitNothingLeft(uids);
    }

    private void awaitNothingLeft(Set<String> uids) {
        appliance.await(READY, "backend and records empty of " + uids, () -> onBackend(uids).isEmpty()
                && allRecordedUids().stream().noneMatch(uids::contains));
    }

    /**
     * Uids of the volumes and images the controller tracks for the named block storages and images, checking each
     * lives on this test's backend.
     */
    Set<String> recordedUids(List<String> names) {
        Set<String> uids = new HashSet<>();
        for (String kind : List.of("volumes", "images")) {
            for (JsonNode record : appliance.storageRecords(kind)) {
                String ref = record.get("ref").asText();
                if (names.contains(ref.substring(ref.lastIndexOf('/') + 1))) {
                    assertEquals(backend(), record.get("backend").asText(), record.toString());
                    uids.add(record.get("uid").asText());
                }
            }
        }
        return uids;
    }

    Set<String> allRecordedUids() {
        Set<String> uids = new HashSet<>();
        for (String kind : List.of("volumes", "images")) {
            appliance.storageRecords(kind).forEach(record -> uids.add(record.get("uid").asText()));
        }
        return uids;
    }

    /** Waits for a line on a guest's serial console; a timeout shows the console. */
    void awaitConsole(String uid, String what, java.util.function.BooleanSupplier seen) {
        try {
            appliance.await(BOOT, what, seen);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- console of " + uid + "\n" + appliance.console(uid), e);
        }
    }

    void storage(String name, int sizeGB, String sourceImage) {
        appliance.put(BS + name, "{\"spec\":{\"skuRef\":{\"resource\":\"seca.storage/v1/tenants/systest/skus/" + sku() + "\"},"
                + "\"sizeGB\":" + sizeGB + (sourceImage == null ? "" : ",\"sourceImageRef\":{\"resource\":\"" + sourceImage + "\"}")
                + "}}");
    }

    void instance(String name, String bootVolume, List<String> dataVolumes) {
        StringBuilder data = new StringBuilder();
        for (String volume : dataVolumes) {
            data.append(data.isEmpty() ? "" : ",").append("{\"deviceRef\":{\"resource\":\"block-storages/").append(volume).append("\"}}");
        }
        appliance.put(Appliance.COMPUTE + "/instances/" + name,
                "{\"spec\":{\"skuRef\":{\"resource\":\"seca.compute/v1/tenants/systest/skus/seca.d2xs\"},\"zone\":\"a\","
                        + "\"bootVolume\":{\"deviceRef\":{\"resource\":\"block-storages/" + bootVolume + "\"}},"
                        + "\"dataVolumes\":[" + data + "]}}");
    }

    void start(String name) {
        HttpResponse<String> started = appliance.action(name, "start");
        assertEquals(202, started.statusCode(), started.body());
    }

    static List<String> states(JsonNode resource) {
        return resource.get("status").get("conditions").findValuesAsText("state");
    }
}
