package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.pki.CertificateRequests;
import dev.sovra.transport.pki.Certificates;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiTest {

    @Test
    void caIsCreatedOnceWithPrivateKeyFileAndReloaded(@TempDir Path dir) throws Exception {
        ClusterCa created = ClusterCa.loadOrCreate(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
        assertTrue(Files.readString(dir.resolve("ca.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
        ClusterCa loaded = ClusterCa.loadOrCreate(dir);
        assertEquals(created.certificate(), loaded.certificate());
        assertEquals(created.fingerprintSha256(), loaded.fingerprintSha256());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(created.certificate().getEncoded())),
                created.fingerprintSha256());
        X509Certificate ca = created.certificate();
        assertTrue(ca.getBasicConstraints() >= 0, "CA certificate must be a CA");
        assertTrue(Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()).toDays() >= 3649);
        assertEquals("EC", ca.getPublicKey().getAlgorithm());
    }

    @Test
    void nodeCertificatesAreClientAuthForTheRequestedNodeOnly(@TempDir Path dir) throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir);
        KeyPair pair = CertificateRequests.generateKeyPair();
        byte[] csr = CertificateRequests.create(pair, "node-7");
        X509Certificate cert = ca.signNodeCertificate(csr, "node-7", Duration.ofDays(30));
        cert.verify(ca.certificate().getPublicKey());
        assertEquals("node-7", Certificates.commonName(cert));
        assertEquals(pair.getPublic(), cert.getPublicKey());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertEquals(-1, cert.getBasicConstraints());

        IllegalArgumentException wrongName = assertThrows(IllegalArgumentException.class,
                () -> ca.signNodeCertificate(csr, "node-8", Duration.ofDays(30)));
        assertTrue(wrongName.getMessage().contains("does not match"), wrongName.getMessage());
        byte[] tampered = csr.clone();
        tampered[tampered.length - 5] ^= 0x55; // inside the signature
        assertThrows(IllegalArgumentException.class, () -> ca.signNodeCertificate(tampered, "node-7", Duration.ofDays(30)));
        assertThrows(IllegalArgumentException.class, () -> ca.signNodeCertificate(new byte[] {1, 2, 3}, "node-7", Duration.ofDays(30)));
    }

    @Test
    void serverCredentialsCarrySansAndRoundTripThroughFiles(@TempDir Path dir) throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"));
        Credentials server = ca.issueServerCredentials(List.of("controller.local", "localhost"), List.of("127.0.0.1", "::1"));
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), server.certificate().getExtendedKeyUsage());
        String sans = server.certificate().getSubjectAlternativeNames().toString();
        assertTrue(sans.contains("controller.local") && sans.contains("localhost") && sans.contains("127.0.0.1"), sans);
        assertFalse(Credentials.exists(dir.resolve("server")));
        server.save(dir.resolve("server"));
        assertTrue(Credentials.exists(dir.resolve("server")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server/node.key"))));
        Credentials loaded = Credentials.load(dir.resolve("server"));
        assertEquals(server.certificate(), loaded.certificate());
        assertEquals(server.ca(), loaded.ca());
        assertFalse(server.toString().contains("BEGIN"), "toString must not print key material");
        assertTrue(server.serverContext(true).isServer());
        assertTrue(server.clientContext().isClient());
    }

    @Test
    void enrolmentTokensRoundTripAndRejectGarbage() {
        String fingerprint = "ab".repeat(32);
        EnrolmentToken token = EnrolmentToken.generate(fingerprint);
        assertTrue(token.id().matches("[0-9a-f]{8}"));
        assertTrue(token.secret().matches("[A-Za-z0-9_-]{32}"));
        assertEquals("sovra-enrol:" + token.id() + "." + token.secret() + "@" + fingerprint, token.toString());
        assertEquals(token, EnrolmentToken.parse(token.toString()));
        assertEquals(64, token.secretSha256().length());
        assertNotEquals(token.secret(), token.secretSha256());
        assertNotEquals(token.secret(), EnrolmentToken.generate(fingerprint).secret());

        for (String bad : new String[] {null, "", "garbage", "sovra-enrol:", "sovra-enrol:zzzzzzzz." + token.secret() + "@" + fingerprint,
                "sovra-enrol:" + token.id() + ".short@" + fingerprint, "sovra-enrol:" + token.id() + "." + token.secret() + "@abc",
                "sovra-enrol:" + token.id() + token.secret() + "@" + fingerprint}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnrolmentToken.parse(bad), String.valueOf(bad));
            assertTrue(e.getMessage().startsWith("enrolment token"), e.getMessage());
            assertFalse(e.getMessage().contains(token.secret()), "error message leaks the secret");
        }
    }
}
