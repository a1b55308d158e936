package dev.sovra.transport.message;

/**
 * Sent on the enrolment port only: a one-time token, the requested node name and a PKCS#10
 * certificate signing request (DER) whose CN is the node name. Answered with {@link EnrolResponse}.
 */
public record EnrolRequest(String token, String nodeName, byte[] csrDer) implements Message {
    @Override
    public String toString() {
        // never print the token secret
        return "EnrolRequest[nodeName=" + nodeName + ", csrBytes=" + (csrDer == null ? 0 : csrDer.length) + "]";
    }
}
