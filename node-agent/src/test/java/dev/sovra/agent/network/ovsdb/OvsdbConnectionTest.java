package dev.sovra.agent.network.ovsdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection life cycle against a real ovsdb-server: loss, close, keepalive probes. One server per test. */
class OvsdbConnectionTest {
    private static final String DB = OvsdbClient.OPEN_VSWITCH_DB;

    @TempDir
    Path dir;

    /** A transaction the server holds open: it waits (up to 30 s) for a row that never appears. */
    private static CompletableFuture<List<OperationResult>> blockedTransaction(OvsdbClient client) {
        return client.transactAsync(DB, List.of(new Operation.Wait("Bridge",
                List.of(Condition.eq("name", "never")), List.of("name"), false, List.of(), 30_000L)),
                Duration.ofSeconds(30));
    }

    @Test
    void killingTheServerFailsPendingCallsPromptly() throws Exception {
        try (OvsdbServer server = OvsdbServer.start(dir);
             OvsdbClient client = OvsdbClient.connect(server.socket(), Duration.ofSeconds(30))) {
            CompletableFuture<List<OperationResult>> pending = blockedTransaction(client);
            client.echo(); // the blocked transaction does not hold up the connection
            assertFalse(pending.isDone());

            long start = System.nanoTime();
            server.kill();
            CompletionException error = assertThrows(CompletionException.class,
                    () -> pending.orTimeout(2, TimeUnit.SECONDS).join());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(error.getCause() instanceof OvsdbException, error::toString);
            assertEquals(OvsdbException.Code.CONNECTION_CLOSED, ((OvsdbException) error.getCause()).code());
            assertTrue(millis < 1000, "pending call failed only after " + millis + " ms");

            client.closeFuture().get(1, TimeUnit.SECONDS);
            assertFalse(client.isConnected());
            OvsdbException next = assertThrows(OvsdbException.class, client::listDbs);
            assertEquals(OvsdbException.Code.CONNECTION_CLOSED, next.code());
        }
    }

    @Test
    void closingTheClientFailsPendingCalls() throws Exception {
        try (OvsdbServer server = OvsdbServer.start(dir)) {
            OvsdbClient client = OvsdbClient.connect(server.socket());
            CompletableFuture<List<OperationResult>> pending = blockedTransaction(client);
            client.close();
            client.close(); // idempotent
            CompletionException error = assertThrows(CompletionException.class,
                    () -> pending.orTimeout(1, TimeUnit.SECONDS).join());
            assertEquals(OvsdbException.Code.CONNECTION_CLOSED, ((OvsdbException) error.getCause()).code());
        }
    }

    @Test
    void connectingToAMissingSocketFails() {
        OvsdbException error = assertThrows(OvsdbException.class,
                () -> OvsdbClient.connect(dir.resolve("no.sock"), Duration.ofSeconds(1)));
        assertEquals(OvsdbException.Code.CONNECT_FAILED, error.code());
    }

    @Test
    void answersTheServersInactivityProbes() throws Exception {
        // A Manager row gives the second listener an inactivity probe of 1 s (the minimum); the server
        // sends "echo" after 1 s of silence and drops the connection if no reply comes within another second.
        Path probed = dir.resolve("probe.sock");
        try (OvsdbServer server = OvsdbServer.start(dir, "--remote=db:Open_vSwitch,Open_vSwitch,manager_options")) {
            server.vsctl("init");
            server.vsctl("--id=@m", "create", "Manager", "target=\"punix:" + probed + "\"", "inactivity_probe=1000",
                    "--", "add", "Open_vSwitch", ".", "manager_options", "@m");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!java.nio.file.Files.exists(probed) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (OvsdbClient client = OvsdbClient.connect(probed)) {
                long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (client.echoRequestsAnswered() == 0 && System.nanoTime() < probeDeadline) {
                    Thread.sleep(20);
                }
                assertTrue(client.echoRequestsAnswered() >= 1, "the server sent no echo probe");
                // Unanswered, the probe would make the server hang up one probe interval later.
                Thread.sleep(1500);
                assertTrue(client.isConnected(), "the server dropped the connection");
                assertTrue(client.listDbs().contains("Open_vSwitch"));
            }
        }
    }
}
