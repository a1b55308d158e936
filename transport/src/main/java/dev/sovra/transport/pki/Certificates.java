package dev.sovra.transport.pki;

import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** Small certificate helpers. */
public final class Certificates {
    private Certificates() {}

    /** The single CN of the certificate's subject, or {@code null} if there is none or more than one. */
    public static String commonName(X509Certificate certificate) {
        return commonName(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()));
    }

    static String commonName(X500Name name) {
        RDN[] rdns = name.getRDNs(BCStyle.CN);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            return null;
        }
        String cn = IETFUtils.valueToString(rdns[0].getFirst().getValue());
        return cn.isEmpty() ? null : cn;
    }

    /** Lower-case hex SHA-256 of the certificate's DER encoding. */
    public static String fingerprintSha256(X509Certificate certificate) {
        return Pem.fingerprint(certificate);
    }
}
