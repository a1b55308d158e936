package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.Heartbeat;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hand-off from I/O to handler thread, on an {@link EmbeddedChannel} (no TLS, no sockets) so that
 * every executor task can be counted: one task per read however many frames it held, callbacks and
 * request completions in arrival order on the handler thread, heartbeats never reaching the executor.
 */
class BatchingTest {
    private final CountingExecutor executor = new CountingExecutor();

    @AfterEach
    void stop() {
        executor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void oneReadOfManyFramesIsOneHandlerTaskInOrderOffTheIoThread() throws Exception {
        Recorder handler = new Recorder();
        Fixture f = new Fixture(handler);
        // requests of ours whose responses arrive in the same read as the peer's one-way messages and requests
        CompletableFuture<Message> first = f.connection.request(DesiredState.instances(1, List.of()), Duration.ofSeconds(30));
        CompletableFuture<Message> second = f.connection.request(DesiredState.instances(2, List.of()), Duration.ofSeconds(30));
        List<String> completions = new CopyOnWriteArrayList<>();
        first.whenComplete((m, e) -> completions.add("response-1@" + handler.events.size() + " " + Thread.currentThread().getName()));
        second.whenComplete((m, e) -> completions.add("response-2@" + handler.events.size() + " " + Thread.currentThread().getName()));
        for (Object written; (written = f.channel.readOutbound()) != null; ) {
            ((ByteBuf) written).release();
        }

        int before = executor.tasks.get();
        CompositeByteBuf read = UnpooledByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            if (i == 100) {
                read.addComponent(true, frame(FrameCodec.RESPONSE, 1, new Ack(1)));
                expected.add("response-1");
            }
            if (i == 200) {
                read.addComponent(true, frame(FrameCodec.RESPONSE, 2, new Ack(2)));
                expected.add("response-2");
            }
            if (i % 50 == 0) {
                read.addComponent(true, frame(FrameCodec.ONE_WAY, 0, new Heartbeat(i)));
            }
            if (i % 7 == 0) {
                read.addComponent(true, frame(FrameCodec.REQUEST, 1000 + i, DesiredState.instances(1000 + i, List.of())));
                expected.add("request-" + (1000 + i));
            } else {
                read.addComponent(true, frame(FrameCodec.ONE_WAY, 0, observed(i)));
                expected.add("message-" + i);
            }
        }
        f.channel.writeInbound(read); // one read: channelRead per frame, then one channelReadComplete
        assertEquals(before + 1, executor.tasks.get(), "one handler task for the whole read");

        assertTrue(handler.done(expected.size() - 2), "handler saw every frame");
        assertTrue(await(() -> completions.size() == 2));
        List<String> seen = new ArrayList<>();
        for (String event : handler.events) {
            seen.add(event.substring(0, event.indexOf(' ')));
        }
        List<String> expectedCallbacks = new ArrayList<>(expected);
        expectedCallbacks.removeIf(e -> e.startsWith("response-"));
        assertEquals(expectedCallbacks, seen, "handler callbacks in arrival order");
        // each future completed after exactly the callbacks of the frames read before its response
        assertTrue(completions.get(0).startsWith("response-1@" + expected.indexOf("response-1") + " "), completions.get(0));
        assertTrue(completions.get(1).startsWith("response-2@" + (expected.indexOf("response-2") - 1) + " "), completions.get(1));
        for (String event : handler.events) {
            assertTrue(event.endsWith(executor.threadName()), "callback on the handler thread: " + event);
        }
        for (String completion : completions) {
            assertTrue(completion.endsWith(executor.threadName()), "future completed on the handler thread: " + completion);
        }
        assertEquals(1, handler.maxConcurrent.get(), "callbacks never overlap");
        assertFalse(handler.sawHeartbeat, "heartbeats never reach the handler");

        // the handler's answers to all requests of the read leave in request order
        assertTrue(await(() -> {
            f.channel.runPendingTasks();
            return f.answers() >= 43;
        }));
        assertEquals(f.answerIds(), f.answerIds().stream().sorted().toList(), "responses in request order");
        f.channel.finishAndReleaseAll();
    }

    @Test
    void heartbeatsAreHandledOnTheIoThreadWithoutTheExecutor() throws Exception {
        Recorder handler = new Recorder();
        Fixture f = new Fixture(handler);
        assertTrue(await(() -> handler.connected));
        int before = executor.tasks.get();
        for (int i = 0; i < 20; i++) {
            f.channel.writeInbound(frame(FrameCodec.ONE_WAY, 0, new Heartbeat(i)));
        }
        CompositeByteBuf many = UnpooledByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
        for (int i = 0; i < 100; i++) {
            many.addComponent(true, frame(FrameCodec.ONE_WAY, 0, new Heartbeat(i)));
        }
        f.channel.writeInbound(many);
        assertEquals(before, executor.tasks.get(), "no handler task for heartbeats");
        assertTrue(f.connection.receivedFrame());
        assertFalse(handler.sawHeartbeat);
        f.channel.finishAndReleaseAll();
    }

    static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private static ObservedState observed(int i) {
        return ObservedState.instances(List.of(new InstanceObservation("uid-" + i, "tenants/t/workspaces/w/instances/vm-" + i,
                DomainState.RUNNING, 0, "", Instant.EPOCH)), false);
    }

    private static ByteBuf frame(byte kind, long id, Message message) {
        return FrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, kind, id, message, FrameCodec.DEFAULT_MAX_FRAME_BYTES);
    }

    /** A connection on an embedded channel whose handshake has "completed". */
    private final class Fixture {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final NettyConnection connection;

        Fixture(MessageHandler handler) {
            ConnectionOptions options = new ConnectionOptions("test", FrameCodec.DEFAULT_MAX_FRAME_BYTES, 1024, 16L << 20, 0, 0, false,
                    false);
            connection = new NettyConnection(channel, executor, handler, options);
            channel.pipeline().addLast(NettyConnection.SSL, new io.netty.channel.ChannelInboundHandlerAdapter());
            channel.pipeline().addLast(NettyConnection.FRAMES, new FrameDecoder(connection, options.maxFrameBytes()));
            channel.pipeline().addLast(NettyConnection.CONNECTION, connection);
            channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        }

        private final List<Long> answers = new ArrayList<>();

        int answers() {
            for (Object written; (written = channel.readOutbound()) != null; ) {
                ByteBuf buf = (ByteBuf) written;
                while (buf.readableBytes() >= FrameCodec.LENGTH_BYTES) {
                    int length = buf.readInt();
                    byte kind = buf.getByte(buf.readerIndex() + 1);
                    long id = buf.getLong(buf.readerIndex() + 2);
                    if (kind == FrameCodec.RESPONSE) {
                        answers.add(id);
                    }
                    buf.skipBytes(length);
                }
                buf.release();
            }
            return answers.size();
        }

        List<Long> answerIds() {
            return List.copyOf(answers);
        }
    }

    /** Records callbacks with their thread; answers every request with Ack. */
    private static final class Recorder implements MessageHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        volatile boolean connected;
        volatile boolean sawHeartbeat;
        private final CountDownLatch anyEvent = new CountDownLatch(1);

        private void enter() {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        }

        private void exit() {
            concurrent.decrementAndGet();
            anyEvent.countDown();
        }

        boolean done(int count) throws InterruptedException {
            return await(() -> events.size() >= count);
        }

        @Override
        public void onConnected(Connection connection) {
            connected = true;
        }

        @Override
        public void onMessage(Connection connection, Message message) {
            enter();
            try {
                if (message instanceof Heartbeat) {
                    sawHeartbeat = true;
                } else if (message instanceof ObservedState observed) {
                    String uid = observed.observations().get(0).uid();
                    events.add("message-" + uid.substring(4) + " " + Thread.currentThread().getName());
                }
            } finally {
                exit();
            }
        }

        @Override
        public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
            enter();
            try {
                long generation = ((DesiredState) request).generation();
                events.add("request-" + generation + " " + Thread.currentThread().getName());
                return CompletableFuture.completedFuture(new Ack(generation));
            } finally {
                exit();
            }
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {}
    }

    /** A handler executor that counts the tasks handed to it. */
    private static final class CountingExecutor extends SingleThreadEventExecutor {
        final AtomicInteger tasks = new AtomicInteger();
        private volatile String threadName;

        CountingExecutor() {
            super(null, new DefaultThreadFactory("batching-test-handler", true), true);
        }

        @Override
        protected void run() {
            while (true) {
                Runnable task = takeTask();
                if (task != null) {
                    task.run();
                    updateLastExecutionTime();
                }
                if (confirmShutdown()) {
                    break;
                }
            }
        }

        @Override
        public void execute(Runnable task) {
            tasks.incrementAndGet();
            super.execute(() -> {
                threadName = Thread.currentThread().getName();
                task.run();
            });
        }

        String threadName() {
            return threadName;
        }
    }
}
