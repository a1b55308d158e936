package dev.sovra.transport.message;

/**
 * The response to any request that failed. {@code code} is a short machine-readable token
 * (e.g. {@code internal}, {@code invalid-token}); {@code message} is for humans.
 */
public record ErrorReply(String code, String message) implements Message {
    public ErrorReply {
        code = code == null ? "internal" : code;
        message = message == null ? "" : message;
    }
}
