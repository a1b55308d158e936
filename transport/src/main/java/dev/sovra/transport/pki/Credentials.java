package dev.sovra.transport.pki;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * A private key, its certificate and the cluster CA certificate that issued it (and that the
 * holder trusts). Stored as {@code node.key} (PKCS#8 PEM, 0600), {@code node.crt} and {@code ca.crt}.
 */
public record Credentials(PrivateKey key, X509Certificate certificate, X509Certificate ca) {
    static final String KEY_FILE = "node.key";
    static final String CERT_FILE = "node.crt";
    static final String CA_FILE = "ca.crt";
    /** TLS 1.3 only: both ends are ours. */
    public static final String TLS_PROTOCOL = "TLSv1.3";

    public Credentials {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(ca, "ca");
    }

    /** Writes the three files into {@code dir} (created if missing); the key file gets mode 0600. */
    public void save(Path dir) {
        Pem.write(dir.resolve(KEY_FILE), Pem.privateKey(key), true);
        Pem.write(dir.resolve(CERT_FILE), Pem.certificate(certificate), false);
        Pem.write(dir.resolve(CA_FILE), Pem.certificate(ca), false);
    }

    /** Reads credentials written by {@link #save(Path)}. */
    public static Credentials load(Path dir) {
        return new Credentials(Pem.readPrivateKey(dir.resolve(KEY_FILE)), Pem.readCertificate(dir.resolve(CERT_FILE)),
                Pem.readCertificate(dir.resolve(CA_FILE)));
    }

    /** Whether all three files exist in {@code dir}. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(KEY_FILE)) && Files.isRegularFile(dir.resolve(CERT_FILE))
                && Files.isRegularFile(dir.resolve(CA_FILE));
    }

    /** The CN of this certificate (the node id for node credentials). */
    public String commonName() {
        return Certificates.commonName(certificate);
    }

    /**
     * The TLS implementation of agent-port contexts: OpenSSL (BoringSSL through netty-tcnative) when it is on
     * the class path and loads, else the JDK's. {@code -Dsovra.transport.ssl=jdk} forces the JDK provider.
     */
    public static SslProvider sslProvider() {
        return SSL_PROVIDER;
    }

    private static final SslProvider SSL_PROVIDER = chooseSslProvider();

    private static SslProvider chooseSslProvider() {
        String wanted = System.getProperty("sovra.transport.ssl", "auto");
        if ("jdk".equalsIgnoreCase(wanted)) {
            return SslProvider.JDK;
        }
        Throwable cause;
        try {
            if (io.netty.handler.ssl.OpenSsl.isAvailable()) {
                return SslProvider.OPENSSL;
            }
            cause = io.netty.handler.ssl.OpenSsl.unavailabilityCause();
        } catch (LinkageError e) {
            cause = e; // tcnative classes missing
        }
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Credentials.class);
        if ("openssl".equalsIgnoreCase(wanted)) {
            log.warn("sovra.transport.ssl=openssl but OpenSSL (netty-tcnative) is unavailable; using the JDK provider"
                    + " reason=\"{}\"", String.valueOf(cause));
        } else {
            log.debug("OpenSSL (netty-tcnative) unavailable, using the JDK TLS provider reason=\"{}\"", String.valueOf(cause));
        }
        return SslProvider.JDK;
    }

    /**
     * A TLS 1.3 server context presenting {@code certificate} plus the CA (so clients can pin the CA).
     * With {@code requireClientAuth} a client certificate issued by {@code ca} is required.
     */
    public SslContext serverContext(boolean requireClientAuth) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(key, certificate, ca)
                    .sslProvider(sslProvider())
                    .protocols(TLS_PROTOCOL);
            if (requireClientAuth) {
                builder.trustManager(ca).clientAuth(ClientAuth.REQUIRE);
            } else {
                builder.clientAuth(ClientAuth.NONE);
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build server TLS context", e);
        }
    }

    /**
     * A TLS 1.3 client context presenting {@code certificate}, trusting only {@code ca}, with host name
     * verification (endpoint identification "HTTPS") against the server certificate's SANs.
     */
    public SslContext clientContext() {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(sslProvider())
                    .protocols(TLS_PROTOCOL)
                    .keyManager(key, certificate)
                    .trustManager(ca)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build client TLS context", e);
        }
    }

    @Override
    public String toString() {
        return "Credentials[subject=" + certificate.getSubjectX500Principal().getName() + ", notAfter="
                + certificate.getNotAfter().toInstant() + ", caFingerprint=" + Pem.fingerprint(ca) + "]";
    }
}
