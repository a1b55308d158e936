package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Crashes at the worst moments: kill -9 of the agent while it creates a guest, kill -9 of the
 * controller while it places instances, and a hung (SIGSTOPped) agent. Afterwards controller and
 * agent must converge to exactly one domain per desired instance, with nothing leaked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashRecoverySystemTest {
    private static final Duration BOOT = Duration.ofSeconds(150);
    private static Appliance appliance;

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("crash");
        appliance.start();
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    @Order(1)
    void agentKilledWhileCreatingAGuestConvergesToExactlyOneDomain() throws Exception {
        appliance.runInstance("crash-a");
        String uid = appliance.uid("crash-a");
        Path desired = appliance.agentStateDir().resolve("desired-state.json");
        // The agent has accepted the instance (stored durably) and is now defining/starting it.
        appliance.await(Duration.ofSeconds(60), "agent received crash-a",
                () -> Files.exists(desired) && read(desired).contains(uid));
        appliance.killAgent();

        appliance.startAgent(null);
        appliance.awaitInstance("crash-a", "active", "on", BOOT);
        appliance.await(BOOT, "crash-a guest ready", () -> appliance.count(uid, "SOVRA-GUEST-READY") >= 1);
        assertEquals(List.of("sovra-" + uid), Appliance.domains(uid));
    }

    @Test
    @Order(2)
    void controllerKilledWhilePlacingConvergesWithoutLeaks() {
        appliance.runInstance("crash-b");
        appliance.runInstance("crash-c");
        appliance.killController(); // right after the writes: placement and pushes are in flight

        appliance.startController();
        appliance.awaitNodeState("ready", Duration.ofSeconds(60)); // the agent reconnects on its own
        appliance.awaitInstance("crash-b", "active", "on", BOOT);
        appliance.awaitInstance("crash-c", "active", "on", BOOT);
        appliance.awaitInstance("crash-a", "active", "on", Duration.ofSeconds(30));

        Set<String> expected = new TreeSet<>();
        for (String name : List.of("crash-a", "crash-b", "crash-c")) {
            String uid = appliance.uid(name);
            assertEquals(1, Appliance.domains(uid).size(), "exactly one domain for " + name);
            expected.add("sovra-" + uid);
        }
        assertEquals(expected, new TreeSet<>(appliance.ownedDomains()), "no domain beyond the desired ones");
    }

    @Test
    @Order(3)
    void silentAgentIsMarkedDownAndResyncsWhenItReturns() {
        appliance.signalAgent("STOP");
        try {
            appliance.awaitNodeState("down", Duration.ofSeconds(15));
        } finally {
            appliance.signalAgent("CONT");
        }
        appliance.awaitNodeState("ready", Duration.ofSeconds(30));
        appliance.awaitInstance("crash-a", "active", "on", Duration.ofSeconds(30));
    }

    @Test
    @Order(4)
    void deletingEverythingLeavesNoDomainOrFile() {
        List<String> uids = List.of(appliance.uid("crash-a"), appliance.uid("crash-b"), appliance.uid("crash-c"));
        for (String name : List.of("crash-a", "crash-b", "crash-c")) {
            HttpResponse<String> response = appliance.call("DELETE", Appliance.COMPUTE + "/instances/" + name, null);
            assertEquals(202, response.statusCode(), response.body());
        }
        for (String name : List.of("crash-a", "crash-b", "crash-c")) {
            appliance.await(Duration.ofSeconds(60), name + " gone", () -> appliance.instance(name).statusCode() == 404);
        }
        assertEquals(List.of(), appliance.ownedDomains());
        for (String uid : uids) {
            assertFalse(Files.exists(appliance.instanceDir(uid)), "files of " + uid + " removed");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
