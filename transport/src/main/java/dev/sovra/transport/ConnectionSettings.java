package dev.sovra.transport;

import dev.sovra.transport.pki.Credentials;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings both ends of an agent connection share, as the base of their builders: identity,
 * heartbeats, framing and flow control.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ConnectionSettings<B extends ConnectionSettings<B>> {
    Credentials credentials;
    Duration heartbeatInterval = Duration.ofSeconds(1);
    int maxFrameBytes = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
    int maxInFlight = 1024;
    int writeBufferLowWaterMark = 256 * 1024;
    int writeBufferHighWaterMark = 1024 * 1024;
    long maxOutboundBytes = 4L * 1024 * 1024;

    ConnectionSettings() {}

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** This end's key and certificate, and the cluster CA that the peer's certificate must chain to. */
    public B credentials(Credentials credentials) {
        this.credentials = credentials;
        return self();
    }

    /** How often this end sends a heartbeat (zero: never). Default 1 s. */
    public B heartbeatInterval(Duration interval) {
        this.heartbeatInterval = Objects.requireNonNull(interval, "interval");
        return self();
    }

    /** Largest frame (after the length prefix) accepted or sent; a larger one closes the connection. Default 16 MiB. */
    public B maxFrameBytes(int bytes) {
        this.maxFrameBytes = bytes;
        return self();
    }

    /** Messages of one connection in the handler (requests until their reply completes) before reading pauses. Default 1024. */
    public B maxInFlight(int messages) {
        this.maxInFlight = messages;
        return self();
    }

    /** Outbound buffer water marks at which a connection turns unwritable and writable again. Defaults 256 KiB / 1 MiB. */
    public B writeBufferWaterMark(int lowBytes, int highBytes) {
        if (lowBytes < 0 || highBytes < lowBytes) {
            throw new IllegalArgumentException("need 0 <= low <= high, was " + lowBytes + "/" + highBytes);
        }
        this.writeBufferLowWaterMark = lowBytes;
        this.writeBufferHighWaterMark = highBytes;
        return self();
    }

    /**
     * Flow control's hard bound: when more than this many bytes wait to be sent on one connection (the peer
     * stopped reading, or reads slower than we send), the connection is closed with reason "outbound limit
     * exceeded" instead of buffering on; its pending requests fail, one-way messages are dropped, and the
     * peer resynchronises on reconnect. Sending never blocks. A single frame larger than this is still sent
     * when nothing else waits. Default 4 MiB (a DesiredState for a node with 1,000 instances, NICs and volumes is
     * ~1.1 MB: bench message-size); at least the high water mark.
     */
    public B maxOutboundBytes(long bytes) {
        this.maxOutboundBytes = bytes;
        return self();
    }

    void checkOutboundBound() {
        if (maxOutboundBytes < writeBufferHighWaterMark) {
            throw new IllegalArgumentException("maxOutboundBytes " + maxOutboundBytes + " below the write buffer high water mark "
                    + writeBufferHighWaterMark);
        }
    }
}
