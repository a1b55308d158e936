package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller-wide outbound budget over real mutual-TLS connections: three agents stop reading while a careless
 * sender floods all three; each alone stays under its own bound, but together they would hold three times it. The sum
 * of bytes waiting never exceeds the budget (plus one frame): the connection holding the most is closed with reason
 * "outbound budget exceeded" each time the sum reaches the budget, and a healthy agent on the same threads keeps
 * being answered throughout. While more than half the budget is in use, connections report themselves unwritable
 * (the controller's pushes hold back).
 */
class OutboundBudgetTest {
    private static final long PER_CONNECTION = 2 * 1024 * 1024;
    private static final long BUDGET = 3 * 1024 * 1024;
    private static final int FRAME_SLACK = 64 * 1024;

    @Test
    @Timeout(60)
    void stuckAgentsTogetherStayWithinTheBudgetAndTheHealthyOneKeepsFlowing(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).ioThreads(1).handlerThreads(1)
                .writeBufferWaterMark(64 * 1024, 256 * 1024).maxFrameBytes(1024 * 1024)
                .maxOutboundBytes(PER_CONNECTION).maxTotalOutboundBytes(BUDGET).build()) {
            server.start();
            CountDownLatch unblock = new CountDownLatch(1);
            List<TransportClient> clients = new ArrayList<>();
            try {
                List<String> stuckNodes = List.of("stuck-1", "stuck-2", "stuck-3");
                for (String node : stuckNodes) {
                    RecordingHandler stuck = new RecordingHandler() {
                        @Override
                        public void onMessage(Connection connection, Message message) {
                            try {
                                unblock.await(); // with maxInFlight 1 it stops reading after this message
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    };
                    TransportClient client = TestSupport.client(server, pki.node(node), stuck).maxInFlight(1)
                            .readIdleTimeout(Duration.ZERO).build();
                    clients.add(client);
                    client.start();
                    stuck.awaitConnected();
                }
                RecordingHandler healthy = new RecordingHandler();
                healthy.responder = (c, m) -> CompletableFuture.completedFuture(new Ack(((DesiredState) m).generation()));
                TransportClient healthyClient = TestSupport.client(server, pki.node("healthy"), healthy).build();
                clients.add(healthyClient);
                healthyClient.start();
                healthy.awaitConnected();
                Map<String, Connection> byNode = new HashMap<>();
                for (int i = 0; i < 4; i++) {
                    Connection c = controller.connected.poll(10, TimeUnit.SECONDS);
                    byNode.put(c.peerNodeId(), c);
                }

                AtomicBoolean flooding = new AtomicBoolean(true);
                AtomicLong answered = new AtomicLong();
                Connection toHealthy = byNode.get("healthy");
                CompletableFuture<Void> healthyLoop = CompletableFuture.runAsync(() -> {
                    long generation = 0;
                    while (flooding.get()) {
                        Message reply = toHealthy.request(DesiredState.instances(++generation, List.of()), Duration.ofSeconds(2))
                                .join(); // a stall shows as a TimeoutException here
                        assertEquals(new Ack(generation), reply);
                        answered.incrementAndGet();
                    }
                });

                List<Connection> stuck = stuckNodes.stream().map(byNode::get).toList();
                stuck.forEach(c -> c.send(TestSupport.BIG_OBSERVATION)); // blocks each stuck agent's handler
                long maxWaiting = 0;
                int sent = 0;
                boolean healthyUnwritableUnderPressure = false;
                while (stuck.stream().anyMatch(Connection::isOpen) && sent < 60_000) { // 60,000 x 16 KiB = 960 MiB unbounded
                    for (Connection c : stuck) {
                        c.send(TestSupport.BIG_OBSERVATION); // never blocks, ignores writability; dropped once c is closed
                        sent++;
                        maxWaiting = Math.max(maxWaiting, server.outboundBytesWaiting());
                        if (server.outboundBytesWaiting() > BUDGET / 2 + FRAME_SLACK && !toHealthy.isWritable()) {
                            healthyUnwritableUnderPressure = true; // polite senders hold back while the budget is half used
                        }
                    }
                }
                for (String node : stuckNodes) {
                    TestSupport.await(() -> controller.disconnectedNodes.containsKey(node), Duration.ofSeconds(10), node + " disconnected");
                }
                Thread.sleep(300); // the healthy loop keeps going after the cuts
                long answeredBeforeEnd = answered.get();
                Thread.sleep(300);
                flooding.set(false);
                healthyLoop.get(10, TimeUnit.SECONDS);

                long budgetCuts = stuckNodes.stream()
                        .filter(n -> controller.disconnectedNodes.get(n).startsWith(NettyConnection.OUTBOUND_BUDGET)).count();
                assertTrue(budgetCuts >= 1, "no connection cut by the budget: " + controller.disconnectedNodes);
                assertTrue(stuckNodes.stream().allMatch(n -> {
                    String reason = controller.disconnectedNodes.get(n);
                    return reason.startsWith(NettyConnection.OUTBOUND_BUDGET) || reason.startsWith(NettyConnection.OUTBOUND_LIMIT);
                }), "reasons: " + controller.disconnectedNodes);
                assertTrue(maxWaiting <= BUDGET + FRAME_SLACK, "all connections held " + maxWaiting + " bytes, budget " + BUDGET);
                assertTrue(maxWaiting > PER_CONNECTION, "the flood never went past one connection's bound: " + maxWaiting);
                assertTrue(toHealthy.isOpen(), "healthy agent disconnected");
                assertFalse(controller.disconnectedNodes.containsKey("healthy"), "healthy agent disconnected");
                assertTrue(answered.get() > answeredBeforeEnd, "healthy agent not answered after the cuts");
                TestSupport.await(() -> server.outboundBytesWaiting() < FRAME_SLACK, Duration.ofSeconds(5),
                        "budget given back after the cuts (still " + server.outboundBytesWaiting() + ")");
                assertTrue(healthyUnwritableUnderPressure, "the healthy connection never reported unwritable under budget pressure");
                assertTrue(toHealthy.isWritable(), "healthy connection still unwritable once the budget was given back");
                System.out.printf("outbound budget: %d sends to 3 stuck agents, max %d bytes waiting in all (budget %d, %d per"
                        + " connection); reasons %s; healthy agent answered %d requests%n", sent, maxWaiting, BUDGET, PER_CONNECTION,
                        controller.disconnectedNodes, answered.get());
            } finally {
                unblock.countDown();
                clients.forEach(TransportClient::close);
            }
        }
    }
}
