package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.EnrolResponse;
import dev.sovra.transport.message.Heartbeat;
import dev.sovra.transport.pki.EnrolmentToken;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrolmentTest {

    @Test
    void tokenPinningAnotherCaIsRefusedByTheClientBeforeSendingAnything(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir.resolve("cluster"));
        Pki other = Pki.create(dir.resolve("other"));
        AtomicInteger calls = new AtomicInteger();
        EnrolmentHandler handler = request -> {
            calls.incrementAndGet();
            throw new EnrolmentException("invalid-token", "should never be asked");
        };
        try (TransportServer server = TestSupport.server(pki, new RecordingHandler()).enrolmentHandler(handler).build()) {
            server.start();
            EnrolmentToken pinsOther = EnrolmentToken.generate(other.ca().fingerprintSha256());
            EnrolmentException e = assertThrows(EnrolmentException.class, () ->
                    Enrolment.enrol("127.0.0.1", server.enrolPort(), pinsOther, "node-1", Duration.ofSeconds(5)));
            assertEquals(Enrolment.CA_MISMATCH, e.code());
            assertTrue(e.getMessage().contains(other.ca().fingerprintSha256()), e.getMessage());
            Thread.sleep(100);
            assertEquals(0, calls.get(), "the enrolment request reached the server");
        }
    }

    @Test
    void serverRefusalReachesTheClientWithItsCode(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        AtomicInteger calls = new AtomicInteger();
        EnrolmentHandler handler = request -> {
            calls.incrementAndGet();
            if (!request.nodeName().equals("node-1") || request.csrDer().length == 0) {
                throw new IllegalStateException("unexpected request " + request);
            }
            throw new EnrolmentException("token-used", "enrolment token was already used");
        };
        try (TransportServer server = TestSupport.server(pki, new RecordingHandler()).enrolmentHandler(handler).build()) {
            server.start();
            EnrolmentToken token = EnrolmentToken.generate(pki.ca().fingerprintSha256());
            EnrolmentException e = assertThrows(EnrolmentException.class, () ->
                    Enrolment.enrol("127.0.0.1", server.enrolPort(), token, "node-1", Duration.ofSeconds(5)));
            assertEquals("token-used", e.code());
            assertTrue(e.getMessage().contains("already used"), e.getMessage());
            assertEquals(1, calls.get());
        }
    }

    @Test
    void enrolmentPortAcceptsNothingButEnrolRequests(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        EnrolmentHandler handler = request -> new EnrolResponse(new byte[0], new byte[0]);
        try (TransportServer server = TestSupport.server(pki, new RecordingHandler()).enrolmentHandler(handler).build()) {
            server.start();
            // no client certificate needed on this port, but a heartbeat is not an enrolment request
            try (SSLSocket socket = TestSupport.rawTls(server.enrolPort(), null, pki.ca().certificate())) {
                socket.startHandshake();
                socket.getOutputStream().write(TestSupport.frame(FrameCodec.ONE_WAY, 0, new Heartbeat(1)));
                socket.getOutputStream().flush();
                InputStream in = socket.getInputStream();
                assertEquals(-1, in.read(), "enrolment port kept a connection that sent a heartbeat");
            }
        }
    }
}
