package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Heartbeat;
import dev.sovra.transport.pki.Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent port accepts only clients with a certificate issued by the cluster CA. */
class MutualTlsTest {

    /** Handshakes, writes a heartbeat frame and reports whether the server then dropped us. */
    static boolean refused(SSLSocket socket) throws Exception {
        try (socket) {
            socket.startHandshake(); // TLS 1.3: the client finishes before the server has judged its certificate
            socket.getOutputStream().write(TestSupport.frame(FrameCodec.ONE_WAY, 0, new Heartbeat(1)));
            socket.getOutputStream().flush();
            socket.setSoTimeout(1000);
            InputStream in = socket.getInputStream();
            try {
                return in.read() < 0; // -1: closed by the server; a byte: a server heartbeat, we were accepted
            } catch (SocketTimeoutException e) {
                return false; // still open
            }
        } catch (IOException e) {
            return true; // handshake alert or reset
        }
    }

    @Test
    void clientWithoutCertificateOrFromAnotherCaIsRefused(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir.resolve("cluster"));
        Pki other = Pki.create(dir.resolve("other"));
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).build()) {
            server.start();

            assertTrue(refused(TestSupport.rawTls(server.agentPort(), null, pki.ca().certificate())),
                    "client without certificate was accepted");
            Credentials foreign = other.node("intruder");
            assertTrue(refused(TestSupport.rawTls(server.agentPort(), foreign, pki.ca().certificate())),
                    "client with a certificate from another CA was accepted");
            // a server certificate of the right CA is not a client certificate either (EKU serverAuth only)
            assertTrue(refused(TestSupport.rawTls(server.agentPort(), pki.server(), pki.ca().certificate())),
                    "client presenting a server certificate was accepted");
            Thread.sleep(200);
            assertTrue(controller.connected.isEmpty(), "handler saw onConnected for a refused client");

            // control: the same raw client with a proper node certificate is accepted
            assertTrue(!refused(TestSupport.rawTls(server.agentPort(), pki.node("node-ok"), pki.ca().certificate())),
                    "client with a valid node certificate was refused");
            Connection accepted = controller.connected.poll(5, TimeUnit.SECONDS);
            assertEquals("node-ok", accepted.peerNodeId());
        }
    }

    @Test
    void agentRefusesControllerWhoseCertificateIsFromAnotherCa(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir.resolve("cluster"));
        Pki other = Pki.create(dir.resolve("other"));
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(other, controller).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("node-1"), agent).build()) {
                client.start();
                Thread.sleep(600);
                assertTrue(agent.connected.isEmpty(), "agent connected to a controller of another CA");
                assertTrue(controller.connected.isEmpty(), "controller accepted an agent of another CA");
            }
        }
    }

    @Test
    void agentVerifiesControllerHostName(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        // certificate for another name only: host name verification must reject it
        Credentials wrongName = pki.ca().issueServerCredentials(java.util.List.of("controller.example"), java.util.List.of("10.9.9.9"));
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).credentials(wrongName).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("node-1"), agent).build()) {
                client.start();
                Thread.sleep(600);
                assertTrue(agent.connected.isEmpty(), "agent accepted a controller certificate without its address");
            }
        }
    }
}
