package dev.sovra.controller.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.transport.Enrolment;
import dev.sovra.transport.EnrolmentException;
import dev.sovra.transport.TransportServer;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One-time enrolment tokens against the real enrolment port, CA and store. */
class EnrolmentTest {
    @TempDir
    Path dir;

    @Test
    void aTokenEnrolsExactlyOneNodeAndForgedOrExpiredTokensNone() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("pki"));
        try (MvStateStore store = MvStateStore.open(dir.resolve("state.db"))) {
            EnrolmentService service = new EnrolmentService(new Repository<>(store, "enrolment-tokens", EnrolmentTokenRecord.class),
                    ca, Duration.ofDays(1), Clock.systemUTC());
            TransportServer server = TransportServer.builder()
                    .bindHost("127.0.0.1").agentPort(0).enrolPort(0)
                    .credentials(ca.issueServerCredentials(List.of("localhost"), List.of("127.0.0.1")))
                    .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(5))
                    .agentHandler(new NoAgents()).enrolmentHandler(service)
                    .build();
            server.start();
            try {
                EnrolmentToken token = service.mint(Duration.ofMinutes(5));
                Credentials node = Enrolment.enrol("127.0.0.1", server.enrolPort(), token, "node-1", Duration.ofSeconds(10));
                assertNotNull(node.certificate());
                assertTrue(node.certificate().getSubjectX500Principal().getName().contains("CN=node-1"));

                EnrolmentException reused = assertThrows(EnrolmentException.class,
                        () -> Enrolment.enrol("127.0.0.1", server.enrolPort(), token, "node-2", Duration.ofSeconds(10)));
                assertEquals("token-used", reused.code());

                EnrolmentToken forged = new EnrolmentToken(token.id(), "x".repeat(token.secret().length()), token.caFingerprint());
                EnrolmentException refused = assertThrows(EnrolmentException.class,
                        () -> Enrolment.enrol("127.0.0.1", server.enrolPort(), forged, "node-3", Duration.ofSeconds(10)));
                assertEquals("invalid-token", refused.code());

                EnrolmentToken expired = service.mint(Duration.ofMillis(1));
                Thread.sleep(20);
                EnrolmentException late = assertThrows(EnrolmentException.class,
                        () -> Enrolment.enrol("127.0.0.1", server.enrolPort(), expired, "node-4", Duration.ofSeconds(10)));
                assertEquals("token-expired", late.code());
            } finally {
                server.close();
            }
        }
    }

    /** Enrolment needs no agent traffic; this handler refuses everything. */
    private static final class NoAgents implements dev.sovra.transport.MessageHandler {
        @Override
        public void onConnected(dev.sovra.transport.Connection c) {}

        @Override
        public void onMessage(dev.sovra.transport.Connection c, dev.sovra.transport.message.Message m) {}

        @Override
        public CompletableFuture<? extends dev.sovra.transport.message.Message> onRequest(
                dev.sovra.transport.Connection c, dev.sovra.transport.message.Message request) {
            return CompletableFuture.completedFuture(new dev.sovra.transport.message.ErrorReply("unsupported", "test"));
        }

        @Override
        public void onDisconnected(dev.sovra.transport.Connection c, String reason) {}
    }
}
