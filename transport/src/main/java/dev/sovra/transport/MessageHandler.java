package dev.sovra.transport;

import dev.sovra.transport.message.Message;
import java.util.concurrent.CompletableFuture;

/**
 * Application side of connections (controller and agent implement it). Callbacks of one connection
 * run in order, never concurrently, on a handler thread (not an I/O thread), so a callback may block
 * briefly; while it does, other connections sharing that handler thread wait, I/O does not.
 * Messages sent from a callback are written once the callback returns (the transport coalesces them), so
 * a callback must not wait for the reply to a request it sent.
 */
public interface MessageHandler {

    /** The TLS handshake completed (and on the agent port the client certificate was verified). */
    void onConnected(Connection connection);

    /** A one-way message other than a heartbeat (heartbeats are handled by the transport). */
    void onMessage(Connection connection, Message message);

    /**
     * A request; the returned future's value is sent back as the response. An exceptional completion
     * (or a thrown exception) is answered with {@code ErrorReply("internal", message)}, or with the code
     * of a {@link RemoteException}. Until the future completes the request counts against the
     * connection's in-flight limit.
     */
    CompletableFuture<? extends Message> onRequest(Connection connection, Message request);

    /** The outbound buffer crossed its high (false) or back below its low (true) water mark. */
    default void onWritabilityChanged(Connection connection, boolean writable) {}

    /** The connection is gone; pending requests on it have been failed. Called once, after onConnected. */
    void onDisconnected(Connection connection, String reason);
}
