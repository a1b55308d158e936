package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Welcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Malformed input closes only the offending connection, with a WARN naming reason, remote and node. */
class BadInputTest {
    static final int MAX_FRAME = 64 * 1024;

    @TempDir
    Path dir;
    Pki pki;
    RecordingHandler controller;
    TransportServer server;
    RecordingHandler agent;
    TransportClient client;
    ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void start() throws Exception {
        logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger(NettyConnection.class);
        logger.addAppender(logs);
        pki = Pki.create(dir);
        controller = new RecordingHandler();
        controller.responder = (c, m) -> CompletableFuture.completedFuture(new Welcome(1));
        server = TestSupport.server(pki, controller).maxFrameBytes(MAX_FRAME).build();
        server.start();
        agent = new RecordingHandler();
        client = TestSupport.client(server, pki.node("good-agent"), agent).build();
        client.start();
        agent.awaitConnected();
        assertGoodAgentWorks();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        ((Logger) LoggerFactory.getLogger(NettyConnection.class)).detachAppender(logs);
    }

    void assertGoodAgentWorks() throws Exception {
        assertEquals(new Welcome(1), client.connection().request(new Hello("good-agent", null, List.of()), Duration.ofSeconds(2))
                .get(3, TimeUnit.SECONDS));
    }

    /** Sends raw bytes on an authenticated connection and checks the server closes it for {@code expectedReason}. */
    void assertClosedFor(String node, byte[] bytes, boolean thenEof, String expectedReason) throws Exception {
        try (SSLSocket socket = TestSupport.rawTls(server.agentPort(), pki.node(node), pki.ca().certificate())) {
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            if (!thenEof) {
                InputStream in = socket.getInputStream();
                assertTrue(readsUntilEof(in), "server kept the connection open after " + expectedReason);
            }
        } // close: EOF (for the truncated case, mid-frame)
        TestSupport.await(() -> controller.disconnectedNodes.containsKey(node), Duration.ofSeconds(3), "disconnect of " + node);
        String reason = controller.disconnectedNodes.get(node);
        assertTrue(reason.contains(expectedReason), "reason was: " + reason);
        ILoggingEvent warning = logs.list.stream()
                .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("node=" + node))
                .findFirst().orElseThrow(() -> new AssertionError("no WARN log for " + node + ": " + logs.list));
        String line = warning.getFormattedMessage();
        assertTrue(line.contains(expectedReason) && line.contains("remote=/127.0.0.1:"), line);
        assertTrue(client.connection() != null && client.connection().isOpen(), "the good agent was disconnected");
        assertGoodAgentWorks();
    }

    private static boolean readsUntilEof(InputStream in) {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            byte[] buffer = new byte[4096];
            while (System.nanoTime() < deadline) {
                if (in.read(buffer) < 0) {
                    return true; // heartbeats may arrive first
                }
            }
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    static byte[] header(int length, int type, int kind, long id, int extraBytes) {
        ByteBuffer b = ByteBuffer.allocate(4 + 10 + extraBytes);
        b.putInt(length).put((byte) type).put((byte) kind).putLong(id);
        return b.array();
    }

    @Test
    void unknownMessageType() throws Exception {
        assertClosedFor("raw-unknown", header(12, 0x7f, FrameCodec.REQUEST, 1, 2), false, "unknown message type 127");
    }

    @Test
    void oversizedFrame() throws Exception {
        assertClosedFor("raw-oversized", header(MAX_FRAME + 1, 1, FrameCodec.REQUEST, 1, 0), false, "frame too large");
    }

    @Test
    void undecodableBody() throws Exception {
        // a Hello whose body is not a CBOR map of its components
        assertClosedFor("raw-garbage", header(10 + 3, 1, FrameCodec.REQUEST, 1, 3), false, "undecodable HELLO body");
    }

    @Test
    void truncatedFrameFollowedByEof() throws Exception {
        byte[] full = TestSupport.frame(FrameCodec.REQUEST, 1, new Hello("raw-truncated", null, List.of()));
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 3);
        assertClosedFor("raw-truncated", truncated, true, "truncated frame");
        assertTrue(controller.requests.stream().noneMatch(m -> m instanceof Hello h && "raw-truncated".equals(h.nodeId())),
                "truncated request reached the handler");
    }
}
