package dev.sovra.transport;

/** A request could not complete because its connection closed. */
public class ConnectionClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public ConnectionClosedException(String reason) {
        super("connection closed: " + reason);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
