package dev.sovra.transport.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Key pairs and PKCS#10 certificate signing requests, as a node creates them to enrol. */
public final class CertificateRequests {
    static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

    private CertificateRequests() {}

    /** A fresh EC P-256 key pair. */
    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 key generation unavailable", e);
        }
    }

    /** A DER-encoded PKCS#10 request with subject {@code CN=commonName}, signed by the key pair (EC keys). */
    public static byte[] create(KeyPair keyPair, String commonName) {
        try {
            var builder = new JcaPKCS10CertificationRequestBuilder(commonName(commonName), keyPair.getPublic());
            return builder.build(new JcaContentSignerBuilder(signatureAlgorithm(keyPair)).build(keyPair.getPrivate()))
                    .getEncoded();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign certificate request", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String signatureAlgorithm(KeyPair keyPair) {
        return "RSA".equals(keyPair.getPrivate().getAlgorithm()) ? "SHA256withRSA" : SIGNATURE_ALGORITHM;
    }

    static X500Name commonName(String cn) {
        if (cn == null || cn.isBlank()) {
            throw new IllegalArgumentException("common name must not be empty");
        }
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    }
}
