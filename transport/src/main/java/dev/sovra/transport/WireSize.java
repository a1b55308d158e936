package dev.sovra.transport;

import dev.sovra.transport.message.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

/** How many bytes a message takes on the wire: its whole frame (length, header, CBOR body), before TLS. */
public final class WireSize {
    private WireSize() {}

    /** The frame size of {@code message} as a request (one-way and response frames are the same size). */
    public static int of(Message message) {
        ByteBuf frame = FrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, FrameCodec.REQUEST, 1L, message, Integer.MAX_VALUE);
        try {
            return frame.readableBytes();
        } finally {
            frame.release();
        }
    }
}
