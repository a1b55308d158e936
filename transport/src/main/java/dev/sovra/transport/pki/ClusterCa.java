package dev.sovra.transport.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster certificate authority: an EC P-256 self-signed CA kept in a directory
 * ({@code ca.key} PKCS#8 PEM, mode 0600, and {@code ca.crt}). It signs node (client) certificates
 * from enrolment CSRs and issues the controller's server certificate.
 */
public final class ClusterCa {
    private static final Logger log = LoggerFactory.getLogger(ClusterCa.class);
    static final String KEY_FILE = "ca.key";
    static final String CERT_FILE = "ca.crt";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(365);
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final String fingerprint;

    private ClusterCa(PrivateKey key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
        this.fingerprint = Pem.fingerprint(certificate);
    }

    /**
     * Loads the CA from {@code dir}, or creates a new one there if neither file exists.
     *
     * @throws java.io.UncheckedIOException if the files cannot be read or written
     * @throws IllegalStateException if only one of the two files exists or they are invalid
     */
    public static ClusterCa loadOrCreate(Path dir) {
        Path keyFile = dir.resolve(KEY_FILE);
        Path certFile = dir.resolve(CERT_FILE);
        boolean haveKey = Files.exists(keyFile);
        boolean haveCert = Files.exists(certFile);
        if (haveKey && haveCert) {
            ClusterCa ca = new ClusterCa(Pem.readPrivateKey(keyFile), Pem.readCertificate(certFile));
            ca.checkKeyMatches();
            log.info("cluster CA loaded dir={} fingerprint={} notAfter={}", dir, ca.fingerprint,
                    ca.certificate.getNotAfter().toInstant());
            return ca;
        }
        if (haveKey || haveCert) {
            throw new IllegalStateException("incomplete cluster CA in " + dir + ": need both " + KEY_FILE + " and " + CERT_FILE);
        }
        ClusterCa ca = create();
        Pem.write(keyFile, Pem.privateKey(ca.key), true);
        Pem.write(certFile, Pem.certificate(ca.certificate), false);
        log.info("cluster CA created dir={} fingerprint={}", dir, ca.fingerprint);
        return ca;
    }

    private static ClusterCa create() {
        KeyPair pair = CertificateRequests.generateKeyPair();
        X500Name subject = new X500Name("CN=Sovra Cluster CA,O=Sovra");
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new ClusterCa(pair.getPrivate(), sign(builder, pair.getPrivate()));
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create cluster CA", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Lower-case hex SHA-256 of the CA certificate's DER encoding: what enrolment tokens pin. */
    public String fingerprintSha256() {
        return fingerprint;
    }

    /**
     * Signs a node certificate (EKU clientAuth, subject {@code CN=nodeId}) for the key in a PKCS#10 request.
     *
     * @throws IllegalArgumentException if the request is malformed, its signature does not verify, or
     *     its CN is not {@code nodeId}
     */
    public X509Certificate signNodeCertificate(byte[] csrDer, String nodeId, Duration validity) {
        Objects.requireNonNull(csrDer, "csrDer");
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("node id must not be empty");
        }
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive");
        }
        JcaPKCS10CertificationRequest csr;
        PublicKey publicKey;
        try {
            csr = new JcaPKCS10CertificationRequest(csrDer);
            publicKey = csr.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey))) {
                throw new IllegalArgumentException("certificate request signature does not verify");
            }
        } catch (IOException | RuntimeException | GeneralSecurityException | OperatorCreationException | PKCSException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("malformed certificate request: " + e.getMessage(), e);
        }
        String cn = Certificates.commonName(csr.getSubject());
        if (!nodeId.equals(cn)) {
            throw new IllegalArgumentException("certificate request CN " + cn + " does not match node " + nodeId);
        }
        if (!"EC".equals(publicKey.getAlgorithm()) && !"RSA".equals(publicKey.getAlgorithm())) {
            throw new IllegalArgumentException("unsupported key algorithm " + publicKey.getAlgorithm());
        }
        try {
            X509v3CertificateBuilder builder = leaf(CertificateRequests.commonName(nodeId), publicKey, validity)
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return sign(builder, key);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot sign node certificate", e);
        }
    }

    /**
     * Issues fresh server credentials (new EC P-256 key, EKU serverAuth, one year) with the given DNS
     * names and IP addresses as subject alternative names.
     */
    public Credentials issueServerCredentials(List<String> dnsNames, List<String> ipAddresses) {
        List<String> dns = dnsNames == null ? List.of() : dnsNames;
        List<String> ips = ipAddresses == null ? List.of() : ipAddresses;
        List<GeneralName> names = new ArrayList<>();
        for (String name : dns) {
            if (name != null && !name.isBlank() && names.stream().noneMatch(n ->
                    n.getTagNo() == GeneralName.dNSName && n.getName().toString().equalsIgnoreCase(name))) {
                names.add(new GeneralName(GeneralName.dNSName, name));
            }
        }
        for (String ip : ips) {
            if (ip == null || ip.isBlank()) {
                continue;
            }
            if (!ip.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("not an IP address literal: " + ip);
            }
            try {
                InetAddress.getByName(ip); // literal only, validated above: no lookup happens
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address literal: " + ip, e);
            }
            names.add(new GeneralName(GeneralName.iPAddress, ip));
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("server certificate needs at least one DNS name or IP address");
        }
        String cn = dns.stream().filter(n -> n != null && !n.isBlank()).findFirst().orElse("sovra-controller");
        KeyPair pair = CertificateRequests.generateKeyPair();
        try {
            X509v3CertificateBuilder builder = leaf(CertificateRequests.commonName(cn), pair.getPublic(), SERVER_VALIDITY)
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            return new Credentials(pair.getPrivate(), sign(builder, key), certificate);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue server certificate", e);
        }
    }

    private X509v3CertificateBuilder leaf(X500Name subject, PublicKey publicKey, Duration validity)
            throws GeneralSecurityException, CertIOException {
        Instant now = Instant.now();
        Instant notAfter = now.plus(validity);
        Instant caNotAfter = certificate.getNotAfter().toInstant();
        if (notAfter.isAfter(caNotAfter)) {
            notAfter = caNotAfter;
        }
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        return new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                subject, publicKey)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(CertificateRequests.SIGNATURE_ALGORITHM).build(signingKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot create signer", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private void checkKeyMatches() {
        try {
            X509v3CertificateBuilder probe = new JcaX509v3CertificateBuilder(new X500Name("CN=probe"), BigInteger.ONE,
                    new Date(), new Date(), new X500Name("CN=probe"), certificate.getPublicKey());
            sign(probe, key).verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cluster CA key does not match its certificate", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterCa[fingerprint=" + fingerprint + "]";
    }
}
