package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sovra.hardware.DmiInfo;
import dev.sovra.hardware.ProfileCatalog;
import dev.sovra.hardware.ProfileMatch;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The foundation path end to end: SECA PUT on the controller, placement, the agent transport, and
 * a real QEMU guest through libvirt, then stop, start, restart and delete, each observed on the
 * guest's serial console and in libvirt itself.
 */
class InstanceLifecycleSystemTest {
    private static final Duration BOOT = Duration.ofSeconds(120);
    private static Appliance appliance;

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("lifecycle");
        appliance.start();
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void instanceRunsStopsStartsRestartsAndLeavesNothingBehindWhenDeleted() {
        HttpResponse<String> created = appliance.putInstance("vm1");
        assertEquals(201, created.statusCode(), created.body());
        String uid = appliance.uid("vm1");
        appliance.awaitInstance("vm1", "active", "off", Duration.ofSeconds(60)); // SECA: created powered off
        assertEquals("shut off", Appliance.domainState(uid), "the domain is defined but not running");

        long startAt = System.nanoTime();
        HttpResponse<String> first = appliance.action("vm1", "start");
        assertEquals(202, first.statusCode(), first.body());
        appliance.await(BOOT, "domain of vm1 running", () -> Appliance.domainState(uid).equals("running"));
        System.out.printf("measure: POST start -> libvirt domain running: %d ms%n", (System.nanoTime() - startAt) / 1_000_000);

        appliance.await(BOOT, "vm1 guest ready marker", () -> appliance.count(uid, "SOVRA-GUEST-READY") >= 1);
        appliance.awaitInstance("vm1", "active", "on", Duration.ofSeconds(30));
        assertEquals(1, Appliance.domains(uid).size(), "exactly one domain for the instance");
        assertTrue(appliance.console(uid).contains("SOVRA-GUEST-DISK vda sectors=" + (1024L * 1024 * 1024 / 512)),
                "the guest sees its 1 GB boot volume as vda");
        String dmi = appliance.console(uid).lines().filter(l -> l.contains(DmiInfo.GUEST_LINE_MARKER)).findFirst().orElseThrow();
        ProfileMatch match = ProfileCatalog.builtin().match(DmiInfo.parseGuestLine(dmi));
        assertEquals("qemu-standard-pc", match.profile().name(), "the test guest's hardware matches its profile: " + dmi);

        HttpResponse<String> stop = appliance.action("vm1", "stop");
        assertEquals(202, stop.statusCode(), stop.body());
        appliance.awaitInstance("vm1", "active", "off", Duration.ofSeconds(60));
        assertEquals("shut off", Appliance.domainState(uid));

        HttpResponse<String> start = appliance.action("vm1", "start");
        assertEquals(202, start.statusCode(), start.body());
        appliance.await(BOOT, "second boot of vm1", () -> appliance.count(uid, "SOVRA-GUEST-READY") >= 2);
        appliance.awaitInstance("vm1", "active", "on", Duration.ofSeconds(30));

        HttpResponse<String> restart = appliance.action("vm1", "restart");
        assertEquals(202, restart.statusCode(), restart.body());
        appliance.await(BOOT, "boot after restart of vm1", () -> appliance.count(uid, "SOVRA-GUEST-READY") >= 3);
        appliance.awaitInstance("vm1", "active", "on", Duration.ofSeconds(30));
        assertEquals("running", Appliance.domainState(uid));

        HttpResponse<String> delete = appliance.call("DELETE", Appliance.COMPUTE + "/instances/vm1", null);
        assertEquals(202, delete.statusCode(), delete.body());
        appliance.await(Duration.ofSeconds(60), "vm1 gone (404)", () -> appliance.instance("vm1").statusCode() == 404);
        HttpResponse<String> gone = appliance.instance("vm1");
        assertTrue(gone.headers().firstValue("Content-Type").orElse("").contains("json"), "404 carries a problem body");
        assertEquals(404, Appliance.json(gone).get("status").asInt());
        assertEquals(0, Appliance.domains(uid).size(), "no domain left: " + Appliance.domains(uid));
        assertFalse(Files.exists(appliance.instanceDir(uid)), "no disk, console log or directory left");
    }
}
