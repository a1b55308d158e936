package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow control over real mutual-TLS connections: an agent that stops reading gets its connection closed
 * once the controller has {@code maxOutboundBytes} waiting for it, memory for that connection stays
 * within the bound while a careless sender keeps sending (sends never block), and another agent on the
 * same controller threads keeps getting answers all along.
 */
class SlowAgentTest {
    private static final long LIMIT = 2 * 1024 * 1024;

    @Test
    @Timeout(60)
    void agentThatStopsReadingIsCutOffWithinTheBoundAndOthersKeepFlowing(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        // one I/O and one handler thread: the slow and the healthy connection share them
        try (TransportServer server = TestSupport.server(pki, controller).ioThreads(1).handlerThreads(1)
                .writeBufferWaterMark(64 * 1024, 256 * 1024).maxOutboundBytes(LIMIT).build()) {
            server.start();
            CountDownLatch unblock = new CountDownLatch(1);
            RecordingHandler slow = new RecordingHandler() {
                @Override
                public void onMessage(Connection connection, Message message) {
                    try {
                        unblock.await(); // stuck: with maxInFlight 1 it stops reading after this message
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            RecordingHandler healthy = new RecordingHandler();
            healthy.responder = (c, m) -> CompletableFuture.completedFuture(new Ack(((DesiredState) m).generation()));
            try (TransportClient slowClient = TestSupport.client(server, pki.node("slow"), slow).maxInFlight(1)
                    .readIdleTimeout(Duration.ZERO).build();
                 TransportClient healthyClient = TestSupport.client(server, pki.node("healthy"), healthy).build()) {
                slowClient.start();
                healthyClient.start();
                slow.awaitConnected();
                healthy.awaitConnected();
                Connection toSlow = null;
                Connection toHealthy = null;
                for (int i = 0; i < 2; i++) {
                    Connection c = controller.connected.poll(10, TimeUnit.SECONDS);
                    if ("slow".equals(c.peerNodeId())) {
                        toSlow = c;
                    } else {
                        toHealthy = c;
                    }
                }
                NettyConnection slowSide = (NettyConnection) toSlow;

                // the healthy agent is asked continuously while the slow one is flooded
                AtomicBoolean flooding = new AtomicBoolean(true);
                AtomicLong answered = new AtomicLong();
                Connection healthyConnection = toHealthy;
                CompletableFuture<Void> healthyLoop = CompletableFuture.runAsync(() -> {
                    long generation = 0;
                    while (flooding.get()) {
                        Message reply = healthyConnection.request(DesiredState.instances(++generation, List.of()),
                                Duration.ofSeconds(2)).join(); // a stall shows as a TimeoutException here
                        assertEquals(new Ack(generation), reply);
                        answered.incrementAndGet();
                    }
                });

                toSlow.send(TestSupport.BIG_OBSERVATION); // blocks the slow agent's handler
                CompletableFuture<Message> stuckRequest = toSlow.request(DesiredState.instances(1, List.of()), Duration.ofSeconds(30));
                long maxPending = 0;
                int sent = 0;
                long floodStart = System.nanoTime();
                while (toSlow.isOpen() && sent < 20_000) { // 20,000 x 16 KiB = 320 MiB if nothing bounded it
                    toSlow.send(TestSupport.BIG_OBSERVATION); // never blocks, ignores writability: a careless sender
                    sent++;
                    maxPending = Math.max(maxPending, slowSide.pendingOutboundBytes());
                }
                long floodMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - floodStart);
                long answeredDuringFlood = answered.get();
                String reason = controller.disconnectedNodes.containsKey("slow") ? controller.disconnectedNodes.get("slow")
                        : awaitReason(controller, "slow");
                Thread.sleep(300); // the healthy loop keeps going after the cut
                flooding.set(false);
                healthyLoop.get(10, TimeUnit.SECONDS);

                assertFalse(toSlow.isOpen(), "slow connection still open after " + sent + " messages");
                assertTrue(reason.startsWith(NettyConnection.OUTBOUND_LIMIT), "close reason: " + reason);
                assertTrue(maxPending <= LIMIT + 64 * 1024,
                        "pending outbound bytes reached " + maxPending + ", bound " + LIMIT + " (+ one frame)");
                assertTrue(sent < 20_000, "never cut off");
                assertEquals(0, slowSide.pendingOutboundBytes(), "buffers not released after the close");
                ExecutionException failed = assertThrows(ExecutionException.class, () -> stuckRequest.get(5, TimeUnit.SECONDS));
                assertInstanceOf(ConnectionClosedException.class, failed.getCause());
                assertTrue(failed.getCause().getMessage().contains(NettyConnection.OUTBOUND_LIMIT), failed.getCause().getMessage());
                assertTrue(healthyConnection.isOpen(), "healthy agent disconnected");
                assertTrue(answered.get() > answeredDuringFlood, "healthy agent not answered after the cut");
                System.out.printf("slow agent: %d sends in %d ms, max pending %d bytes (limit %d); healthy agent answered %d"
                        + " requests meanwhile%n", sent, floodMillis, maxPending, LIMIT, answeredDuringFlood);
            } finally {
                unblock.countDown();
            }
        }
    }

    private static String awaitReason(RecordingHandler controller, String nodeId) throws InterruptedException {
        TestSupport.await(() -> controller.disconnectedNodes.containsKey(nodeId), Duration.ofSeconds(10), nodeId + " disconnected");
        return controller.disconnectedNodes.get(nodeId);
    }
}
