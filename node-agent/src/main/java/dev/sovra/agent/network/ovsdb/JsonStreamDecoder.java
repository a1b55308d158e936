package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * Splits a byte stream of concatenated JSON texts (RFC 7047 JSON-RPC: no length prefix, no delimiter, any
 * whitespace or none between values) into one {@link JsonNode} per top-level value, using Jackson's
 * non-blocking parser: bytes are fed as they arrive, tokens of the current value are buffered, and the value is
 * emitted when its outermost object or array closes. Values may span reads and a read may hold several values.
 * Only objects and arrays are accepted at top level (JSON-RPC messages are objects); a bare scalar, malformed
 * JSON or a value larger than {@code maxValueBytes} is a protocol error (exception up the pipeline).
 */
final class JsonStreamDecoder extends ChannelInboundHandlerAdapter {
    private final ObjectMapper mapper;
    private final long maxValueBytes;
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private TokenBuffer current;
    private int depth;
    private long valueStartOffset;

    JsonStreamDecoder(ObjectMapper mapper, long maxValueBytes) {
        this.mapper = mapper;
        this.maxValueBytes = maxValueBytes;
        try {
            this.parser = mapper.getFactory().createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        byte[] bytes;
        try {
            // A private copy: the parser may hold on to the array until it asks for more input.
            bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
        } finally {
            ReferenceCountUtil.release(buf);
        }
        feeder.feedInput(bytes, 0, bytes.length);
        drain(ctx);
    }

    private void drain(ChannelHandlerContext ctx) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (current == null) {
                if (!token.isStructStart()) {
                    throw new com.fasterxml.jackson.core.JsonParseException(parser,
                            "JSON-RPC message must be an object, got " + token);
                }
                current = new TokenBuffer(parser, null);
                valueStartOffset = parser.currentTokenLocation().getByteOffset();
            }
            current.copyCurrentEvent(parser);
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            }
            if (depth == 0) {
                JsonNode value;
                try (JsonParser buffered = current.asParser(parser.getCodec())) {
                    value = mapper.readTree(buffered);
                }
                current = null;
                ctx.fireChannelRead(value);
            } else if (parser.currentLocation().getByteOffset() - valueStartOffset > maxValueBytes) {
                throw new com.fasterxml.jackson.core.JsonParseException(parser,
                        "JSON value exceeds " + maxValueBytes + " bytes");
            }
        }
        // A value still open after the last byte read waits for the next read: nothing to do.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        feeder.endOfInput();
        parser.close();
        current = null;
        super.channelInactive(ctx);
    }
}
