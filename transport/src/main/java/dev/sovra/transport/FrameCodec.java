package dev.sovra.transport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The wire format. A frame is
 * <pre>
 *   int32  length of the rest (big-endian)
 *   byte   message type ({@link MessageType#code()})
 *   byte   kind: 0 one-way, 1 request, 2 response
 *   int64  correlation id (0 for one-way)
 *   ...    body: Jackson CBOR of the message record
 * </pre>
 * Bodies are encoded straight into {@link ByteBuf}s and decoded from byte arrays (see {@link #decodeBody}).
 */
final class FrameCodec {
    static final byte ONE_WAY = 0;
    static final byte REQUEST = 1;
    static final byte RESPONSE = 2;
    /** type + kind + correlation id. */
    static final int HEADER_BYTES = 1 + 1 + 8;
    static final int LENGTH_BYTES = 4;
    static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private static final CBORMapper MAPPER = CBORMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** Bodies up to this size are copied into a reused per-thread array to be decoded; larger ones into a fresh one. */
    static final int SCRATCH_BYTES = 16 * 1024;
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCRATCH_BYTES];
        }
    };
    private static final ObjectReader[] READERS = new ObjectReader[256];
    private static final ObjectWriter[] WRITERS = new ObjectWriter[256];

    static {
        for (MessageType type : MessageType.values()) {
            READERS[type.code() & 0xff] = MAPPER.readerFor(type.messageClass());
            WRITERS[type.code() & 0xff] = MAPPER.writerFor(type.messageClass());
        }
    }

    private FrameCodec() {}

    static String kindName(byte kind) {
        return switch (kind) {
            case ONE_WAY -> "one-way";
            case REQUEST -> "request";
            case RESPONSE -> "response";
            default -> "kind-" + kind;
        };
    }

    /**
     * Encodes a complete frame into a new buffer from {@code alloc}.
     *
     * @throws IllegalArgumentException if the body cannot be serialised or the frame exceeds {@code maxFrameBytes}
     */
    static ByteBuf encode(ByteBufAllocator alloc, byte kind, long correlationId, Message message, int maxFrameBytes) {
        MessageType type = MessageType.of(message);
        ByteBuf buf = alloc.ioBuffer(256);
        boolean ok = false;
        try {
            buf.writeInt(0);
            buf.writeByte(type.code());
            buf.writeByte(kind);
            buf.writeLong(correlationId);
            WRITERS[type.code() & 0xff].writeValue((OutputStream) new ByteBufOutputStream(buf), message);
            int length = buf.writerIndex() - LENGTH_BYTES;
            if (length > maxFrameBytes) {
                throw new IllegalArgumentException("message " + type + " needs a frame of " + length
                        + " bytes, more than the maximum of " + maxFrameBytes);
            }
            buf.setInt(0, length);
            ok = true;
            return buf;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode message " + type + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /**
     * Decodes {@code length} body bytes at the reader index of {@code in} (advancing it by exactly that much).
     * Jackson reads from a byte array (the buffer's own, or a per-thread scratch copy of a direct buffer): its
     * byte-array parser needs no input stream or input buffer, which made up a good part of decoding a small
     * message. The scratch array is only read during this call; decoded values never point into it.
     */
    static Message decodeBody(MessageType type, ByteBuf in, int length) throws IOException {
        int start = in.readerIndex();
        try {
            ObjectReader reader = READERS[type.code() & 0xff];
            if (in.hasArray()) {
                return reader.readValue(in.array(), in.arrayOffset() + start, length);
            }
            byte[] body = length <= SCRATCH_BYTES ? SCRATCH.get() : new byte[length];
            in.getBytes(start, body, 0, length);
            return reader.readValue(body, 0, length);
        } finally {
            in.readerIndex(start + length);
        }
    }
}
