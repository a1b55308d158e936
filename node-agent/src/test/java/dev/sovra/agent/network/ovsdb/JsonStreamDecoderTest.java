package dev.sovra.agent.network.ovsdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Framing of concatenated JSON values, through a real Netty pipeline (EmbeddedChannel). */
class JsonStreamDecoderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String STREAM = "{\"id\":1,\"result\":[\"Open_vSwitch\",\"_Server\"],\"error\":null}"
            + "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}\n"
            + "  {\"id\":2,\"result\":{\"s\":\"br\\\"ace } { in a string \\u00e9\",\"n\":[1,2.5,-3e2,true,null]},\"error\":null}"
            + "[\"an\",\"array\"]";

    private static List<JsonNode> decode(List<byte[]> chunks) {
        EmbeddedChannel channel = new EmbeddedChannel(new JsonStreamDecoder(MAPPER, 1 << 20));
        for (byte[] chunk : chunks) {
            channel.writeInbound(Unpooled.wrappedBuffer(chunk));
        }
        List<JsonNode> values = new ArrayList<>();
        JsonNode value;
        while ((value = channel.readInbound()) != null) {
            values.add(value);
        }
        channel.finishAndReleaseAll();
        return values;
    }

    private static List<JsonNode> expected() throws Exception {
        return List.of(
                MAPPER.readTree("{\"id\":1,\"result\":[\"Open_vSwitch\",\"_Server\"],\"error\":null}"),
                MAPPER.readTree("{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}"),
                MAPPER.readTree("{\"id\":2,\"result\":{\"s\":\"br\\\"ace } { in a string \\u00e9\",\"n\":[1,2.5,-3e2,true,null]},\"error\":null}"),
                MAPPER.readTree("[\"an\",\"array\"]"));
    }

    @Test
    void splitsConcatenatedValuesInOneRead() throws Exception {
        assertEquals(expected(), decode(List.of(STREAM.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void reassemblesValuesSplitAtEveryByteBoundary() throws Exception {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < bytes.length; cut++) {
            byte[] head = java.util.Arrays.copyOfRange(bytes, 0, cut);
            byte[] tail = java.util.Arrays.copyOfRange(bytes, cut, bytes.length);
            assertEquals(expected(), decode(List.of(head, tail)), "cut at " + cut);
        }
    }

    @Test
    void reassemblesByteByByte() throws Exception {
        List<byte[]> chunks = new ArrayList<>();
        for (byte b : STREAM.getBytes(StandardCharsets.UTF_8)) {
            chunks.add(new byte[] {b});
        }
        assertEquals(expected(), decode(chunks));
    }

    @Test
    void incompleteValueWaitsForMoreBytes() {
        EmbeddedChannel channel = new EmbeddedChannel(new JsonStreamDecoder(MAPPER, 1 << 20));
        channel.writeInbound(Unpooled.copiedBuffer("{\"id\":1,\"result\":[", StandardCharsets.UTF_8));
        assertNull(channel.readInbound());
        channel.writeInbound(Unpooled.copiedBuffer("]}", StandardCharsets.UTF_8));
        assertEquals(1, ((JsonNode) channel.readInbound()).get("id").asInt());
        channel.finishAndReleaseAll();
    }

    @Test
    void malformedJsonAndTopLevelScalarsAreProtocolErrors() {
        EmbeddedChannel malformed = new EmbeddedChannel(new JsonStreamDecoder(MAPPER, 1 << 20));
        assertThrows(Exception.class, () -> malformed.writeInbound(Unpooled.copiedBuffer("{\"id\":}", StandardCharsets.UTF_8)));
        EmbeddedChannel scalar = new EmbeddedChannel(new JsonStreamDecoder(MAPPER, 1 << 20));
        assertThrows(Exception.class, () -> scalar.writeInbound(Unpooled.copiedBuffer("\"text\" ", StandardCharsets.UTF_8)));
    }

    @Test
    void oversizedValueIsRefused() {
        EmbeddedChannel channel = new EmbeddedChannel(new JsonStreamDecoder(MAPPER, 64));
        String big = "{\"result\":[" + "1,".repeat(100) + "1]}";
        assertThrows(Exception.class, () -> channel.writeInbound(Unpooled.copiedBuffer(big, StandardCharsets.UTF_8)));
    }
}
