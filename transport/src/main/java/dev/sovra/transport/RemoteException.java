package dev.sovra.transport;

/** The peer answered a request with an {@link dev.sovra.transport.message.ErrorReply}. */
public class RemoteException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String remoteMessage;

    public RemoteException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
        this.remoteMessage = message;
    }

    /** The machine-readable error code, e.g. {@code internal}, {@code token-used}. */
    public String code() {
        return code;
    }

    /** The peer's human-readable message, without the code prefix. */
    public String remoteMessage() {
        return remoteMessage;
    }
}
