package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.pki.CertificateRequests;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Shared fixtures: a real CA on disk, credentials, raw TLS sockets and a recording handler. */
final class TestSupport {
    private TestSupport() {}

    /** A cluster CA with server credentials for localhost / 127.0.0.1. */
    record Pki(ClusterCa ca, Credentials server) {
        static Pki create(Path dir) {
            ClusterCa ca = ClusterCa.loadOrCreate(dir);
            return new Pki(ca, ca.issueServerCredentials(List.of("localhost"), List.of("127.0.0.1")));
        }

        Credentials node(String nodeId) {
            KeyPair pair = CertificateRequests.generateKeyPair();
            X509Certificate certificate = ca.signNodeCertificate(CertificateRequests.create(pair, nodeId), nodeId, Duration.ofDays(1));
            return new Credentials(pair.getPrivate(), certificate, ca.certificate());
        }
    }

    /** A one-way message of about 16 KiB: floods a peer that stopped reading in few sends. */
    static final ObservedState BIG_OBSERVATION = ObservedState.instances(List.of(new InstanceObservation("u", "r",
            DomainState.RUNNING, 0, "x".repeat(16 * 1024), Instant.EPOCH)), false);

    static TransportServer.Builder server(Pki pki, MessageHandler handler) {
        return TransportServer.builder()
                .bindHost("127.0.0.1")
                .agentPort(0)
                .enrolPort(0)
                .credentials(pki.server())
                .heartbeatInterval(Duration.ofMillis(100))
                .heartbeatTimeout(Duration.ofSeconds(5))
                .handlerThreads(2)
                .ioThreads(2)
                .agentHandler(handler);
    }

    static TransportClient.Builder client(TransportServer server, Credentials credentials, MessageHandler handler) {
        return TransportClient.builder()
                .host("127.0.0.1")
                .port(server.agentPort())
                .credentials(credentials)
                .heartbeatInterval(Duration.ofMillis(100))
                .readIdleTimeout(Duration.ofSeconds(5))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .handler(handler);
    }

    /** A blocking JDK TLS 1.3 socket; {@code clientCredentials} may be null (no client certificate). */
    static SSLSocket rawTls(int port, Credentials clientCredentials, X509Certificate trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCredentials != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("node", clientCredentials.key(), new char[0],
                    new X509Certificate[] {clientCredentials.certificate(), clientCredentials.ca()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(3000);
        socket.setEnabledProtocols(new String[] {"TLSv1.3"});
        return socket;
    }

    static byte[] frame(byte kind, long id, Message message) {
        ByteBuf buf = FrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, kind, id, message, Integer.MAX_VALUE);
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                assertTrue(condition.getAsBoolean(), "timed out waiting for " + what);
                return;
            }
            Thread.sleep(10);
        }
    }

    /** Records every callback; answers requests with {@link #responder}. */
    static class RecordingHandler implements MessageHandler {
        final BlockingQueue<Connection> connected = new LinkedBlockingQueue<>();
        final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<Message> requests = new LinkedBlockingQueue<>();
        final BlockingQueue<String> disconnected = new LinkedBlockingQueue<>();
        final List<String> callbackThreads = new CopyOnWriteArrayList<>();
        final BlockingQueue<Boolean> writability = new LinkedBlockingQueue<>();
        /** peer node id -> disconnect reason. */
        final java.util.Map<String, String> disconnectedNodes = new java.util.concurrent.ConcurrentHashMap<>();
        volatile BiFunction<Connection, Message, CompletableFuture<? extends Message>> responder =
                (c, m) -> CompletableFuture.failedFuture(new IllegalStateException("no responder for " + m));

        @Override
        public void onConnected(Connection connection) {
            callbackThreads.add(Thread.currentThread().getName());
            connected.add(connection);
        }

        @Override
        public void onMessage(Connection connection, Message message) {
            callbackThreads.add(Thread.currentThread().getName());
            messages.add(message);
        }

        @Override
        public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
            callbackThreads.add(Thread.currentThread().getName());
            requests.add(request);
            return responder.apply(connection, request);
        }

        @Override
        public void onWritabilityChanged(Connection connection, boolean writable) {
            callbackThreads.add(Thread.currentThread().getName());
            writability.add(writable);
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {
            callbackThreads.add(Thread.currentThread().getName());
            if (connection.peerNodeId() != null) {
                disconnectedNodes.put(connection.peerNodeId(), reason);
            }
            disconnected.add(reason);
        }

        Connection awaitConnected() throws InterruptedException {
            Connection c = connected.poll(5, TimeUnit.SECONDS);
            assertTrue(c != null, "no onConnected within 5 s");
            return c;
        }

        String awaitDisconnected(Duration timeout) throws InterruptedException {
            String reason = disconnected.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(reason != null, "no onDisconnected within " + timeout);
            return reason;
        }
    }
}
