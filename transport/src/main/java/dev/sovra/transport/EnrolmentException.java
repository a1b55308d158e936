package dev.sovra.transport;

/**
 * Enrolment refused. On the controller an {@link EnrolmentHandler} throws it and the code travels back
 * as an {@code ErrorReply}; on the agent {@link Enrolment#enrol} throws it with the controller's code
 * (e.g. {@code invalid-token}, {@code token-used}) or {@code ca-fingerprint-mismatch} when the
 * controller's CA is not the one the token pins.
 */
public class EnrolmentException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    public EnrolmentException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return "EnrolmentException[" + code + "]: " + getMessage();
    }
}
