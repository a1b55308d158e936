package dev.sovra.transport;

import dev.sovra.transport.message.Message;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One live controller-agent connection. All methods are safe to call from any thread and never block.
 */
public interface Connection {

    /** The CN of the peer's verified client certificate on the controller's agent port; null elsewhere. */
    String peerNodeId();

    SocketAddress remoteAddress();

    /**
     * Sends a request and completes with the peer's response. Completes exceptionally with
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}, with {@link RemoteException}
     * if the peer answered with an {@link dev.sovra.transport.message.ErrorReply}, with
     * {@link ConnectionClosedException} if the connection closes first, or with
     * {@link IllegalArgumentException} if the message cannot be encoded (e.g. larger than the maximum
     * frame size). The future is completed on a handler thread, never on an I/O thread.
     */
    CompletableFuture<Message> request(Message message, Duration timeout);

    /**
     * Sends a one-way message. Silently dropped if the connection is closed (level-triggered
     * protocols resync on reconnect).
     *
     * @throws IllegalArgumentException if the message cannot be encoded
     */
    void send(Message message);

    /**
     * False while the outbound buffer is above its high water mark (see {@link MessageHandler#onWritabilityChanged}),
     * and on the controller while all agent connections together hold more than half the outbound budget
     * ({@code TransportServer.Builder#maxTotalOutboundBytes}; no event fires for that: try again after a reply).
     */
    boolean isWritable();

    boolean isOpen();

    /** Closes after what was already sent is flushed; {@code reason} reaches {@link MessageHandler#onDisconnected}. */
    void close(String reason);
}
