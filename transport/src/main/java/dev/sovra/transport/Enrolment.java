package dev.sovra.transport;

import dev.sovra.transport.message.EnrolRequest;
import dev.sovra.transport.message.EnrolResponse;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.pki.CertificateRequests;
import dev.sovra.transport.pki.Certificates;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent side of enrolment: exchanges a one-time token for node credentials. The controller is
 * trusted only if its certificate chain contains the CA whose SHA-256 fingerprint the token pins
 * (and the server certificate verifies under that CA, with host name verification), so a new node
 * needs no prior trust configuration.
 */
public final class Enrolment {
    private static final Logger log = LoggerFactory.getLogger(Enrolment.class);
    /** Error code when the controller's CA does not match the token. */
    public static final String CA_MISMATCH = "ca-fingerprint-mismatch";

    private Enrolment() {}

    /**
     * Generates an EC P-256 key and a CSR for {@code CN=nodeName}, sends them with the token to the
     * controller's enrolment port and returns the key with the issued certificate and the CA.
     *
     * @throws EnrolmentException with the controller's code (e.g. {@code invalid-token}, {@code token-used}),
     *     or {@link #CA_MISMATCH} if the controller's CA is not the one pinned in the token (then nothing was sent)
     * @throws IOException if the controller cannot be reached, the TLS handshake fails for another
     *     reason, the connection drops, or {@code timeout} passes
     */
    public static Credentials enrol(String host, int enrolPort, EnrolmentToken token, String nodeName, Duration timeout)
            throws EnrolmentException, IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        KeyPair keyPair = CertificateRequests.generateKeyPair();
        byte[] csr = CertificateRequests.create(keyPair, nodeName);
        SslContext ssl;
        try {
            ssl = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(Credentials.TLS_PROTOCOL)
                    .trustManager(new PinnedCaTrustManager(token.caFingerprint()))
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (IOException e) {
            throw new IOException("cannot build TLS context for enrolment", e);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sovra-enrol-io", true),
                NioIoHandler.newFactory());
        DefaultEventExecutorGroup handlers = new DefaultEventExecutorGroup(1, new DefaultThreadFactory("sovra-enrol", true));
        NettyConnection connection = null;
        try {
            ConnectionOptions options = new ConnectionOptions("enrolment", TransportServer.ENROL_MAX_FRAME_BYTES, 1,
                    TransportServer.ENROL_MAX_FRAME_BYTES, 0, 0, false, false);
            CompletableFuture<NettyConnection> installed = new CompletableFuture<>();
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .resolver(NoopAddressResolverGroup.INSTANCE)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, remainingMillis(deadline)))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler sslHandler = ssl.newHandler(ch.alloc(), host, enrolPort);
                            sslHandler.setHandshakeTimeoutMillis(Math.max(1, remainingMillis(deadline)));
                            installed.complete(NettyConnection.install(ch, sslHandler, handlers.next(), NOOP, options));
                        }
                    });
            InetSocketAddress address = new InetSocketAddress(host, enrolPort);
            if (address.isUnresolved()) {
                throw new IOException("cannot resolve controller host " + host);
            }
            ChannelFuture connect = bootstrap.connect(address);
            if (!connect.awaitUninterruptibly(remainingMillis(deadline))) {
                throw new IOException("timed out connecting to " + host + ":" + enrolPort);
            }
            if (!connect.isSuccess()) {
                throw new IOException("cannot connect to " + host + ":" + enrolPort + ": " + connect.cause().getMessage(),
                        connect.cause());
            }
            connection = installed.getNow(null);
            try {
                connection.handshakeFuture().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                CaMismatchException mismatch = findCause(e, CaMismatchException.class);
                if (mismatch != null) {
                    log.warn("enrolment aborted: controller CA does not match the token host={} port={} reason=\"{}\"", host,
                            enrolPort, mismatch.getMessage());
                    throw new EnrolmentException(CA_MISMATCH, mismatch.getMessage());
                }
                throw new IOException("TLS handshake with " + host + ":" + enrolPort + " failed: "
                        + NettyConnection.rootCause(e).getMessage(), e.getCause());
            }
            Message reply;
            try {
                reply = connection.request(new EnrolRequest(token.toString(), nodeName, csr),
                        Duration.ofMillis(Math.max(1, remainingMillis(deadline)))).get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RemoteException remote) {
                    throw new EnrolmentException(remote.code(), "controller refused enrolment of " + nodeName + ": "
                            + remote.remoteMessage());
                }
                if (cause instanceof TimeoutException) {
                    throw new IOException("controller " + host + ":" + enrolPort + " did not answer the enrolment within " + timeout);
                }
                throw new IOException("enrolment request failed: " + cause.getMessage(), cause);
            }
            if (!(reply instanceof EnrolResponse response)) {
                throw new IOException("unexpected enrolment reply " + reply);
            }
            Credentials credentials = verify(response, keyPair, nodeName, token);
            log.info("node enrolled node={} controller={}:{} notAfter={} caFingerprint={}", nodeName, host, enrolPort,
                    credentials.certificate().getNotAfter().toInstant(), token.caFingerprint());
            return credentials;
        } catch (TimeoutException e) {
            throw new IOException("enrolment with " + host + ":" + enrolPort + " timed out after " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("enrolment interrupted", e);
        } finally {
            if (connection != null) {
                connection.close("enrolment finished");
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            handlers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** Checks that the issued certificate is for our key and node and was signed by the pinned CA. */
    private static Credentials verify(EnrolResponse response, KeyPair keyPair, String nodeName, EnrolmentToken token)
            throws IOException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            X509Certificate certificate = (X509Certificate) factory.generateCertificate(
                    new ByteArrayInputStream(response.certificateDer()));
            X509Certificate ca = (X509Certificate) factory.generateCertificate(
                    new ByteArrayInputStream(response.caCertificateDer()));
            if (!token.caFingerprint().equals(Certificates.fingerprintSha256(ca))) {
                throw new IOException("controller returned a CA certificate that does not match the token");
            }
            if (!certificate.getPublicKey().equals(keyPair.getPublic())) {
                throw new IOException("issued certificate is not for the key we sent");
            }
            if (!nodeName.equals(Certificates.commonName(certificate))) {
                throw new IOException("issued certificate is for " + Certificates.commonName(certificate) + ", not " + nodeName);
            }
            certificate.verify(ca.getPublicKey());
            certificate.checkValidity();
            return new Credentials(keyPair.getPrivate(), certificate, ca);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IOException("invalid certificate in enrolment reply: " + e.getMessage(), e);
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static <T extends Throwable> T findCause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (type.isInstance(suppressed)) {
                    return type.cast(suppressed);
                }
            }
        }
        return null;
    }

    private static final MessageHandler NOOP = new MessageHandler() {
        @Override
        public void onConnected(Connection connection) {}

        @Override
        public void onMessage(Connection connection, Message message) {}

        @Override
        public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
            return CompletableFuture.completedFuture(new dev.sovra.transport.message.ErrorReply("unsupported",
                    "enrolling agent answers no requests"));
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {}
    };

    /** The server's chain does not contain the CA pinned by the token. */
    static final class CaMismatchException extends CertificateException {
        private static final long serialVersionUID = 1L;

        CaMismatchException(String message) {
            super(message);
        }
    }

    /**
     * Trusts a server only if its presented chain contains the pinned CA and the chain verifies under
     * that CA with the JDK's PKIX validator (including host name verification).
     */
    static final class PinnedCaTrustManager extends X509ExtendedTrustManager {
        private final String fingerprint;

        PinnedCaTrustManager(String fingerprint) {
            this.fingerprint = fingerprint;
        }

        private X509ExtendedTrustManager delegate(X509Certificate[] chain) throws CertificateException {
            List<String> presented = new ArrayList<>();
            for (X509Certificate certificate : chain) {
                String fp = Certificates.fingerprintSha256(certificate);
                if (fp.equals(fingerprint)) {
                    try {
                        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                        store.load(null, null);
                        store.setCertificateEntry("pinned-ca", certificate);
                        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                        factory.init(store);
                        for (TrustManager tm : factory.getTrustManagers()) {
                            if (tm instanceof X509ExtendedTrustManager extended) {
                                return extended;
                            }
                        }
                        throw new CertificateException("no X509 trust manager available");
                    } catch (IOException | GeneralSecurityException e) {
                        throw new CertificateException("cannot set up pinned CA trust: " + e.getMessage(), e);
                    }
                }
                presented.add(fp);
            }
            throw new CaMismatchException("controller certificate chain does not contain the CA pinned by the token: expected sha256 "
                    + fingerprint + ", presented " + presented);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate(chain).checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate(chain).checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ((X509TrustManager) delegate(chain)).checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("enrolment client does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("enrolment client does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("enrolment client does not accept client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
