package dev.sovra.transport.message;

/** The issued node certificate and the cluster CA certificate, both DER. */
public record EnrolResponse(byte[] certificateDer, byte[] caCertificateDer) implements Message {
    @Override
    public String toString() {
        return "EnrolResponse[certificateBytes=" + (certificateDer == null ? 0 : certificateDer.length)
                + ", caCertificateBytes=" + (caCertificateDer == null ? 0 : caCertificateDer.length) + "]";
    }
}
