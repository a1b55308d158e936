package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeartbeatTest {

    @Test
    void silentAgentIsDisconnectedWithHeartbeatTimeout(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).heartbeatTimeout(Duration.ofMillis(300)).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("silent"), agent)
                    .heartbeatInterval(Duration.ZERO) // never sends heartbeats
                    .reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(5))
                    .build()) {
                client.start();
                controller.awaitConnected();
                long connectedAt = System.nanoTime();
                String reason = controller.awaitDisconnected(Duration.ofSeconds(3));
                long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt);
                assertEquals("heartbeat timeout", reason);
                assertTrue(afterMillis >= 250 && afterMillis < 1500, "disconnected after " + afterMillis + " ms");
                agent.awaitDisconnected(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void agentSendingHeartbeatsStaysConnected(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).heartbeatTimeout(Duration.ofMillis(300)).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("chatty"), agent)
                    .heartbeatInterval(Duration.ofMillis(80))
                    .readIdleTimeout(Duration.ofMillis(300))
                    .build()) {
                client.start();
                Connection c = controller.awaitConnected();
                Thread.sleep(1200);
                assertTrue(controller.disconnected.isEmpty(), "disconnected: " + controller.disconnected);
                assertTrue(agent.disconnected.isEmpty(), "agent disconnected: " + agent.disconnected);
                assertTrue(c.isOpen());
            }
        }
    }

    @Test
    void agentDropsSilentControllerAndReconnects(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).heartbeatInterval(Duration.ZERO).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("n1"), agent)
                    .readIdleTimeout(Duration.ofMillis(300))
                    .build()) {
                client.start();
                agent.awaitConnected();
                assertEquals("heartbeat timeout", agent.awaitDisconnected(Duration.ofSeconds(3)));
                agent.awaitConnected(); // and it comes back
            }
        }
    }
}
