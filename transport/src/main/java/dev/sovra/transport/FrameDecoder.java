package dev.sovra.transport;

import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the decrypted byte stream into frames and decodes their bodies. Any violation (short or
 * oversized length, unknown type or kind, undecodable body, truncated frame at end of stream) closes
 * the connection through {@link NettyConnection#protocolError}; the rest of the input is discarded.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private final NettyConnection connection;
    private final int maxFrameBytes;
    private boolean failed;

    FrameDecoder(NettyConnection connection, int maxFrameBytes) {
        this.connection = connection;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < FrameCodec.LENGTH_BYTES) {
            return;
        }
        int start = in.readerIndex();
        int length = in.getInt(start);
        if (length < FrameCodec.HEADER_BYTES) {
            fail(in, "frame length " + length + " shorter than the frame header");
            return;
        }
        if (length > maxFrameBytes) {
            fail(in, "frame too large: " + length + " bytes, maximum " + maxFrameBytes);
            return;
        }
        if (in.readableBytes() < FrameCodec.LENGTH_BYTES + length) {
            return;
        }
        int typeCode = in.getUnsignedByte(start + 4);
        byte kind = in.getByte(start + 5);
        long correlationId = in.getLong(start + 6);
        MessageType type = MessageType.fromCode(typeCode);
        if (type == null) {
            fail(in, "unknown message type " + typeCode);
            return;
        }
        if (kind != FrameCodec.ONE_WAY && kind != FrameCodec.REQUEST && kind != FrameCodec.RESPONSE) {
            fail(in, "unknown frame kind " + kind + " for message type " + type);
            return;
        }
        in.readerIndex(start + FrameCodec.LENGTH_BYTES + FrameCodec.HEADER_BYTES);
        Message message;
        try {
            message = FrameCodec.decodeBody(type, in, length - FrameCodec.HEADER_BYTES);
        } catch (Exception e) {
            fail(in, "undecodable " + type + " body: " + oneLine(e));
            return;
        }
        if (message == null) {
            fail(in, "empty " + type + " body");
            return;
        }
        out.add(new InboundFrame(kind, correlationId, message));
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
        if (!failed && in.isReadable()) {
            int available = in.readableBytes();
            String expected = available >= FrameCodec.LENGTH_BYTES
                    ? String.valueOf(FrameCodec.LENGTH_BYTES + in.getInt(in.readerIndex())) : "at least " + FrameCodec.LENGTH_BYTES;
            fail(in, "truncated frame: connection ended after " + available + " of " + expected + " bytes");
        }
    }

    private void fail(ByteBuf in, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        connection.protocolError(reason);
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
