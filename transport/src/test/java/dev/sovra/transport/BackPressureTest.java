package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackPressureTest {

    @Test
    void serverStopsReadingAtTheInFlightLimitAndCatchesUpAfterwards(@TempDir Path dir) throws Exception {
        int maxInFlight = 4;
        int total = 200;
        Pki pki = Pki.create(dir);
        List<CompletableFuture<Ack>> held = new ArrayList<>();
        AtomicInteger seen = new AtomicInteger();
        RecordingHandler controller = new RecordingHandler() {
            @Override
            public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
                seen.incrementAndGet();
                CompletableFuture<Ack> reply = new CompletableFuture<>();
                synchronized (held) {
                    held.add(reply);
                }
                return reply.thenApply(a -> new Ack(((DesiredState) request).generation()));
            }
        };
        try (TransportServer server = TestSupport.server(pki, controller).maxInFlight(maxInFlight).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("busy"), agent).build()) {
                client.start();
                Connection c = agent.awaitConnected();
                List<CompletableFuture<Message>> replies = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    replies.add(c.request(DesiredState.instances(i, List.of()), Duration.ofSeconds(20)));
                }
                TestSupport.await(() -> seen.get() >= maxInFlight, Duration.ofSeconds(3), "first requests");
                Thread.sleep(300); // give the server every chance to (wrongly) read on
                assertEquals(maxInFlight, seen.get(), "handler saw more requests than the in-flight bound");
                NettyConnection serverSide = (NettyConnection) server.connections().iterator().next();
                assertFalse(serverSide.channel().config().isAutoRead(), "server still reading while the handler is saturated");

                // unblock: answer everything, including what arrives while we do
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (replies.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() < deadline) {
                    List<CompletableFuture<Ack>> batch;
                    synchronized (held) {
                        batch = new ArrayList<>(held);
                        held.clear();
                    }
                    batch.forEach(f -> f.complete(new Ack(-1)));
                    Thread.sleep(5);
                }
                for (int i = 0; i < total; i++) {
                    assertEquals(new Ack(i), replies.get(i).get(1, TimeUnit.SECONDS));
                }
                assertEquals(total, seen.get());
                assertTrue(serverSide.channel().config().isAutoRead(), "reading not resumed");
            }
        }
    }

    @Test
    void slowReaderMakesConnectionUnwritableAndWritableAgain(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).writeBufferWaterMark(16 * 1024, 64 * 1024).build()) {
            server.start();
            CountDownLatch unblock = new CountDownLatch(1);
            AtomicInteger received = new AtomicInteger();
            RecordingHandler agent = new RecordingHandler() {
                @Override
                public void onMessage(Connection connection, Message message) {
                    try {
                        unblock.await(); // a stuck agent: it stops reading once its in-flight bound is reached
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    received.incrementAndGet();
                }
            };
            try (TransportClient client = TestSupport.client(server, pki.node("slow"), agent).maxInFlight(1)
                    .readIdleTimeout(Duration.ZERO).build()) {
                client.start();
                agent.awaitConnected();
                Connection toAgent = controller.awaitConnected();
                ObservedState big = ObservedState.instances(List.of(new InstanceObservation("u", "r", DomainState.RUNNING, 0,
                        "x".repeat(16 * 1024), Instant.EPOCH)), false);
                // send until the connection stays unwritable: kernel buffers full, agent not reading
                int sent = 0;
                long stuckSince = 0;
                while (sent < 4000) {
                    if (toAgent.isWritable()) {
                        toAgent.send(big);
                        sent++;
                        stuckSince = 0;
                    } else if (stuckSince == 0) {
                        stuckSince = System.nanoTime();
                    } else if (System.nanoTime() - stuckSince > TimeUnit.MILLISECONDS.toNanos(300)) {
                        break;
                    } else {
                        Thread.sleep(5);
                    }
                }
                assertFalse(toAgent.isWritable(), "still writable after " + sent + " messages to a stuck agent");
                // transitions alternate, starting with false; while the agent is stuck the last one is false
                Thread.sleep(200);
                List<Boolean> transitions = new ArrayList<>();
                controller.writability.drainTo(transitions);
                assertFalse(transitions.isEmpty(), "no onWritabilityChanged(false)");
                for (int i = 0; i < transitions.size(); i++) {
                    assertEquals(i % 2 != 0, transitions.get(i), "transitions " + transitions);
                }
                assertFalse(transitions.get(transitions.size() - 1), "transitions " + transitions);
                unblock.countDown();
                assertEquals(Boolean.TRUE, controller.writability.poll(10, TimeUnit.SECONDS));
                assertTrue(toAgent.isWritable());
                int expected = sent;
                TestSupport.await(() -> received.get() == expected, Duration.ofSeconds(10), "all messages delivered");
            }
        }
    }
}
