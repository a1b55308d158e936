package dev.sovra.transport;

import dev.sovra.transport.message.EnrolRequest;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Heartbeat;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.MessageType;
import dev.sovra.transport.pki.Certificates;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection and the last handler of its pipeline. Threading:
 * <ul>
 *   <li>the I/O event loop decodes frames, correlates responses, applies back-pressure and writes;</li>
 *   <li>every application callback (and every completion of a request future) runs on the
 *       connection's handler executor, a single thread picked from an {@code EventExecutorGroup},
 *       so callbacks are ordered and never run on the event loop;</li>
 *   <li>callers on any thread encode outbound frames themselves and hand the buffers to a queue that
 *       the event loop drains in batches, one flush per batch.</li>
 * </ul>
 */
final class NettyConnection extends ChannelInboundHandlerAdapter implements Connection {
    private static final Logger log = LoggerFactory.getLogger(NettyConnection.class);
    static final String SSL = "ssl";
    static final String IDLE = "idle";
    static final String FRAMES = "frames";
    static final String CONNECTION = "connection";
    /** Start of the close reason when a peer does not read what we send. */
    static final String OUTBOUND_LIMIT = "outbound limit exceeded";
    /** Start of the close reason when all connections together hold more than the controller-wide budget. */
    static final String OUTBOUND_BUDGET = "outbound budget exceeded";
    /** {@link #budgetShare} once this connection left the budget. */
    private static final long LEFT_BUDGET = Long.MIN_VALUE;
    /** Inbox items run per executor task before it yields to the other connections of its thread. */
    static final int INBOX_TURN = 1024;
    private static final int INBOX_CHUNK = 16;

    private final Channel channel;
    private final EventExecutor executor;
    private final MessageHandler handler;
    private final ConnectionOptions options;
    /** The controller-wide outbound budget this connection counts against; null: none (clients, enrolment). */
    private final OutboundBudget budget;
    /** Bytes this connection counted into {@link #budget} ({@link #LEFT_BUDGET} once it left). */
    private final AtomicLong budgetShare = new AtomicLong();
    private final int resumeMark;
    private final CompletableFuture<NettyConnection> handshake = new CompletableFuture<>();
    private final CompletableFuture<String> terminated = new CompletableFuture<>();

    private final AtomicReference<String> closeReason = new AtomicReference<>();
    private final AtomicLong correlationIds = new AtomicLong();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Queue<ByteBuf> outbound = new ConcurrentLinkedQueue<>();
    /** Bytes in {@link #outbound}, not yet handed to the channel. */
    private final AtomicLong queuedBytes = new AtomicLong();
    /**
     * Bytes in the channel's outbound buffer at the last drain or writability change (written by the event
     * loop; it only overstates between those, as the socket takes bytes).
     */
    private volatile long channelBytes;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean resumeScheduled = new AtomicBoolean();
    private final Runnable resumeTask = () -> {
        resumeScheduled.set(false);
        resume();
    };
    /** Frames read while the handler was at its in-flight limit; event loop only. */
    private final ArrayDeque<InboundFrame> backlog = new ArrayDeque<>();
    /**
     * Everything for the handler executor, in arrival order: frames for the handler, completions of our
     * request futures ({@link Runnable}) and other callbacks ({@link Callback}). Filled by the event loop,
     * emptied by one {@link #drainInbox} task at a time on the handler executor; a read schedules that task
     * at {@code channelReadComplete} unless one is already queued or running, which then takes the new
     * items too (no task, list or wake-up per read while the handler is behind).
     */
    private final Queue<Object> inbox = PlatformDependent.newMpscQueue(INBOX_CHUNK, 1 << 30);
    private final AtomicBoolean inboxScheduled = new AtomicBoolean();
    private final Runnable drainInboxTask = this::drainInbox;
    private volatile boolean paused;

    private volatile String peerNodeId;
    private volatile boolean established;
    private volatile boolean inactive;
    private volatile boolean receivedFrame;
    private ScheduledFuture<?> heartbeatTask;
    /** Last writability reported to the handler; event loop only. */
    private boolean reportedWritable = true;

    NettyConnection(Channel channel, EventExecutor executor, MessageHandler handler, ConnectionOptions options) {
        this(channel, executor, handler, options, null);
    }

    NettyConnection(Channel channel, EventExecutor executor, MessageHandler handler, ConnectionOptions options,
                    OutboundBudget budget) {
        this.channel = channel;
        this.executor = executor;
        this.handler = handler;
        this.options = options;
        this.budget = budget;
        this.resumeMark = options.maxInFlight() / 2;
        if (budget != null) {
            budget.join(this);
        }
    }

    /** Adds TLS, framing and this connection to a fresh channel's pipeline. */
    static NettyConnection install(Channel channel, SslHandler ssl, EventExecutor executor, MessageHandler handler,
                                   ConnectionOptions options) {
        return install(channel, ssl, executor, handler, options, null);
    }

    /** As {@link #install(Channel, SslHandler, EventExecutor, MessageHandler, ConnectionOptions)}, counting against a budget. */
    static NettyConnection install(Channel channel, SslHandler ssl, EventExecutor executor, MessageHandler handler,
                                   ConnectionOptions options, OutboundBudget budget) {
        NettyConnection connection = new NettyConnection(channel, executor, handler, options, budget);
        channel.pipeline()
                .addLast(SSL, ssl)
                .addLast(FRAMES, new FrameDecoder(connection, options.maxFrameBytes()))
                .addLast(CONNECTION, connection);
        return connection;
    }

    /** Completes when the TLS handshake succeeded (and the peer was accepted), or fails with its cause. */
    CompletableFuture<NettyConnection> handshakeFuture() {
        return handshake;
    }

    /** Whether any frame arrived from the peer: proof that it accepted us. */
    boolean receivedFrame() {
        return receivedFrame;
    }

    /** Completes with the close reason once the channel is inactive and pending requests were failed. */
    CompletableFuture<String> terminationFuture() {
        return terminated;
    }

    String closeReason() {
        return closeReason.get();
    }

    Channel channel() {
        return channel;
    }

    // ---- Connection ----

    @Override
    public String peerNodeId() {
        return peerNodeId;
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public CompletableFuture<Message> request(Message message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<Message> future = new CompletableFuture<>();
        if (timeout.isNegative() || timeout.isZero()) {
            future.completeExceptionally(new IllegalArgumentException("timeout must be positive, was " + timeout));
            return future;
        }
        if (!isOpen()) {
            future.completeExceptionally(new ConnectionClosedException(reasonOr("connection closed")));
            return future;
        }
        long id = correlationIds.incrementAndGet();
        ByteBuf frame;
        try {
            frame = FrameCodec.encode(channel.alloc(), FrameCodec.REQUEST, id, message, options.maxFrameBytes());
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
            return future;
        }
        Pending p = new Pending(id, MessageType.of(message), timeout, future);
        pending.put(id, p);
        p.timeout = Timers.REQUEST_TIMEOUTS.newTimeout(p, timeout.toNanos(), TimeUnit.NANOSECONDS);
        if ((!enqueue(frame) || inactive) && pending.remove(id, p)) {
            // raced with channelInactive, which may already have failed the others
            p.timeout.cancel();
            complete(p.future, null, new ConnectionClosedException(reasonOr("connection closed")));
        }
        return future;
    }

    @Override
    public void send(Message message) {
        Objects.requireNonNull(message, "message");
        if (!isOpen()) {
            log.debug("dropping one-way message on closed connection type={} {}", MessageType.of(message), who());
            return;
        }
        if (!enqueue(FrameCodec.encode(channel.alloc(), FrameCodec.ONE_WAY, 0L, message, options.maxFrameBytes()))) {
            log.debug("dropping one-way message, outbound limit exceeded type={} {}", MessageType.of(message), who());
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable() && (budget == null || !budget.pressed());
    }

    @Override
    public boolean isOpen() {
        return closeReason.get() == null && channel.isActive();
    }

    @Override
    public void close(String reason) {
        closeReason.compareAndSet(null, reason == null ? "closed" : reason);
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            drain();
            channel.close();
        } else {
            try {
                loop.execute(() -> {
                    drain();
                    channel.close();
                });
            } catch (RejectedExecutionException e) {
                channel.close();
            }
        }
    }

    @Override
    public String toString() {
        return "Connection[" + who() + "]";
    }

    // ---- outbound ----

    /**
     * Queues a frame for the event loop; false (frame released, connection closing) if the queue is over
     * {@link ConnectionOptions#maxOutboundBytes}. Never blocks.
     */
    private boolean enqueue(ByteBuf frame) {
        int size = frame.readableBytes();
        long waiting = queuedBytes.addAndGet(size) + channelBytes;
        if (waiting > options.maxOutboundBytes() && waiting > size) {
            queuedBytes.addAndGet(-size);
            frame.release();
            overflow(waiting);
            return false;
        }
        account(size);
        if (budget != null && !budget.admit(this)) {
            queuedBytes.addAndGet(-size); // this connection held the most and was cut off; its share is gone already
            frame.release();
            return false;
        }
        outbound.offer(frame);
        if (drainScheduled.compareAndSet(false, true)) {
            EventLoop loop = channel.eventLoop();
            if (loop.inEventLoop()) {
                drain();
                return true;
            }
            DeferredDrains deferred = DeferredDrains.current();
            if (deferred != null) {
                deferred.add(loop, this); // a handler batch is running: one wake-up per event loop at its end
                return true;
            }
            scheduleDrain(loop);
        }
        return true;
    }

    /**
     * The peer does not take what we send fast enough: rather than buffer without bound (or block the
     * sender), close; pending requests fail and the peer resynchronises when it reconnects.
     */
    private void overflow(long pendingBytes) {
        cutOff(OUTBOUND_LIMIT + ": peer not reading (" + pendingBytes + " bytes waiting, limit " + options.maxOutboundBytes() + ")");
    }

    /**
     * {@link OutboundBudget}: all connections together hold more than the budget and this one holds the most:
     * close it like {@link #overflow}. Any thread.
     */
    void evict(long usedBytes, long limitBytes) {
        long held = leaveBudget();
        cutOff(OUTBOUND_BUDGET + ": this peer held the most bytes waiting (" + held + ") when all connections held "
                + usedBytes + ", budget " + limitBytes);
    }

    /** This connection's bytes counted in the budget (negative once it left). */
    long budgetShare() {
        return budgetShare.get();
    }

    private void account(long delta) {
        if (budget == null) {
            return;
        }
        long share;
        do {
            share = budgetShare.get();
            if (share == LEFT_BUDGET) {
                return;
            }
        } while (!budgetShare.compareAndSet(share, share + delta));
        budget.add(delta);
    }

    /** Gives back this connection's whole share; later changes are not counted. Returns the share. */
    private long leaveBudget() {
        if (budget == null) {
            return 0;
        }
        budget.leave(this);
        long share = budgetShare.getAndSet(LEFT_BUDGET);
        if (share == LEFT_BUDGET) {
            return 0;
        }
        budget.add(-share);
        return share;
    }

    private void cutOff(String reason) {
        if (closeReason.compareAndSet(null, reason)) {
            log.warn("closing connection reason=\"{}\" role={} {}", reason, options.role(), who());
        }
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            releaseOutbound();
            channel.close();
        } else {
            try {
                loop.execute(() -> {
                    releaseOutbound();
                    channel.close();
                });
            } catch (RejectedExecutionException e) {
                channel.close();
            }
        }
    }

    /** Bytes waiting to be sent on this connection: queued, and in the channel's buffer (not the kernel's). Any thread. */
    long pendingOutboundBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return queuedBytes.get() + (buffer == null ? 0 : buffer.totalPendingWriteBytes());
    }

    private void scheduleDrain(EventLoop loop) {
        try {
            loop.execute(drainTask);
        } catch (RejectedExecutionException e) {
            drainScheduled.set(false);
            releaseOutbound();
        }
    }

    /** Event loop: {@link #drain()} for a connection whose drain was deferred to the end of a handler batch. */
    void drainDeferred() {
        drain();
    }

    /** Any thread: schedules the drain that {@link DeferredDrains} could not run on this connection's loop. */
    void drainRejected() {
        drainScheduled.set(false);
        releaseOutbound();
    }

    /** Event loop: writes everything queued, then flushes once. */
    private void drain() {
        drainScheduled.set(false);
        if (!channel.isActive()) {
            releaseOutbound();
            return;
        }
        long inChannel = channelPendingBytes();
        boolean wrote = false;
        ByteBuf frame;
        while ((frame = outbound.poll()) != null) {
            int size = frame.readableBytes();
            if (inChannel > 0 && inChannel + size > options.maxOutboundBytes()) {
                queuedBytes.addAndGet(-size);
                account(-size);
                frame.release();
                overflow(inChannel + size);
                return;
            }
            inChannel += size;
            channel.write(frame, channel.voidPromise());
            setChannelBytes(inChannel);
            queuedBytes.addAndGet(-size); // after channelBytes: a sender may count a frame twice, never miss one
            account(-size);
            wrote = true;
        }
        if (wrote) {
            channel.flush();
            setChannelBytes(channelPendingBytes());
        }
    }

    /** Event loop (the only writer of {@link #channelBytes}). */
    private void setChannelBytes(long bytes) {
        long before = channelBytes;
        channelBytes = bytes;
        account(bytes - before);
    }

    /** Event loop. */
    private long channelPendingBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    private void releaseOutbound() {
        ByteBuf frame;
        while ((frame = outbound.poll()) != null) {
            queuedBytes.addAndGet(-frame.readableBytes());
            account(-frame.readableBytes());
            frame.release();
        }
    }

    // ---- inbound (event loop) ----

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshakeEvent) {
            if (handshakeEvent.isSuccess()) {
                onHandshake(ctx);
            } else {
                Throwable cause = handshakeEvent.cause();
                String reason = "TLS handshake failed: " + FrameDecoder.oneLine(rootCause(cause));
                closeReason.compareAndSet(null, reason);
                log.warn("TLS handshake failed role={} remote={} reason=\"{}\"", options.role(), channel.remoteAddress(),
                        FrameDecoder.oneLine(rootCause(cause)));
                handshake.completeExceptionally(cause);
                ctx.close();
            }
            return;
        }
        if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            if (paused) {
                return; // we stopped reading ourselves: silence is expected
            }
            log.warn("closing connection reason=\"heartbeat timeout\" role={} {} idleMillis={}", options.role(), who(),
                    options.readIdleMillis());
            close("heartbeat timeout");
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    private void onHandshake(ChannelHandlerContext ctx) {
        if (options.peerIsNode()) {
            String nodeId = null;
            try {
                Certificate[] peer = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
                if (peer.length > 0 && peer[0] instanceof X509Certificate certificate) {
                    nodeId = Certificates.commonName(certificate);
                }
            } catch (SSLPeerUnverifiedException e) {
                nodeId = null;
            }
            if (nodeId == null) {
                closeReason.compareAndSet(null, "client certificate without a usable CN");
                log.warn("closing connection reason=\"client certificate without a usable CN\" role={} remote={}",
                        options.role(), channel.remoteAddress());
                handshake.completeExceptionally(new SSLException("client certificate without a usable CN"));
                ctx.close();
                return;
            }
            peerNodeId = nodeId;
        }
        if (options.readIdleMillis() > 0) {
            ctx.pipeline().addAfter(SSL, IDLE, new IdleStateHandler(options.readIdleMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
        long interval = options.heartbeatIntervalMillis();
        if (interval > 0) {
            heartbeatTask = ctx.executor().scheduleAtFixedRate(this::sendHeartbeat, interval, interval, TimeUnit.MILLISECONDS);
        }
        established = true;
        log.debug("connection established role={} {}", options.role(), who());
        handshake.complete(this);
        dispatch(() -> handler.onConnected(this), "onConnected");
    }

    private void sendHeartbeat() {
        if (channel.isActive() && channel.isWritable()) {
            send(new Heartbeat(System.currentTimeMillis()));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof InboundFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!established) {
            protocolError("frame before the TLS handshake completed");
            return;
        }
        receivedFrame = true;
        Message message = frame.message();
        if (options.enrolOnly() && !(frame.kind() == FrameCodec.REQUEST && message instanceof EnrolRequest)) {
            protocolError("only EnrolRequest requests are accepted on the enrolment port, got "
                    + FrameCodec.kindName(frame.kind()) + " " + MessageType.of(message));
            return;
        }
        switch (frame.kind()) {
            case FrameCodec.RESPONSE -> completeResponse(frame);
            case FrameCodec.ONE_WAY -> {
                if (!(message instanceof Heartbeat)) {
                    deliver(frame);
                }
            }
            default -> deliver(frame);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        handOver();
        ctx.fireChannelReadComplete();
    }

    /** Any thread: makes sure a {@link #drainInbox} task will see what is in the inbox now. */
    private void handOver() {
        if (inbox.isEmpty() || !inboxScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(drainInboxTask);
        } catch (RejectedExecutionException e) {
            inboxScheduled.set(false);
            // executor stopped (transport closing): complete futures inline, drop handler work
            for (Object item; (item = inbox.poll()) != null; ) {
                if (item instanceof InboundFrame) {
                    inFlight.decrementAndGet();
                } else if (item instanceof Callback callback) {
                    log.debug("handler executor stopped, callback dropped callback={} {}", callback.name(), who());
                } else {
                    ((Runnable) item).run();
                }
            }
        }
    }

    /**
     * Handler thread: runs inbox items in order, at most {@link #INBOX_TURN} per task; drains they cause are
     * scheduled once per event loop at the end (or after {@link DeferredDrains#MAX_DEFERRAL_NANOS}).
     */
    private void drainInbox() {
        DeferredDrains deferred = DeferredDrains.begin();
        try {
            Object item;
            for (int n = 0; n < INBOX_TURN && (item = inbox.poll()) != null; n++) {
                if (item instanceof InboundFrame frame) {
                    handle(frame);
                } else if (item instanceof Callback callback) {
                    try {
                        callback.run().run();
                    } catch (Throwable e) {
                        log.warn("handler callback failed callback={} {}", callback.name(), who(), e);
                    }
                } else {
                    try {
                        ((Runnable) item).run();
                    } catch (Throwable e) {
                        log.warn("request completion callback failed {}", who(), e);
                    }
                }
                if (deferred != null) {
                    deferred.maybeFlush();
                }
            }
        } finally {
            if (deferred != null) {
                deferred.end();
            }
            inboxScheduled.set(false);
            handOver(); // items that arrived after the last poll, or beyond this turn
        }
    }

    private void completeResponse(InboundFrame frame) {
        Pending p = pending.remove(frame.correlationId());
        if (p == null) {
            log.debug("response without pending request (late after timeout?) id={} type={} {}", frame.correlationId(),
                    MessageType.of(frame.message()), who());
            return;
        }
        if (p.timeout != null) {
            p.timeout.cancel();
        }
        Message reply = frame.message();
        CompletableFuture<Message> future = p.future;
        if (reply instanceof ErrorReply error) {
            RemoteException remote = new RemoteException(error.code(), error.message());
            inbox.offer((Runnable) () -> future.completeExceptionally(remote));
        } else {
            inbox.offer((Runnable) () -> future.complete(reply));
        }
    }

    /** Back-pressure: hands the frame to the handler, or parks it and stops reading at the in-flight limit. */
    private void deliver(InboundFrame frame) {
        if (backlog.isEmpty() && inFlight.get() < options.maxInFlight()) {
            inFlight.incrementAndGet();
            dispatchFrame(frame);
            return;
        }
        backlog.add(frame);
        if (!paused) {
            paused = true;
            channel.config().setAutoRead(false);
            log.debug("handler busy, reading paused inFlight={} {}", inFlight.get(), who());
            if (inFlight.get() <= resumeMark) {
                resume(); // every completion may have happened before paused became visible
            }
        }
    }

    /** Any thread: a dispatched message finished. */
    private void release() {
        int now = inFlight.decrementAndGet();
        if (paused && now <= resumeMark && resumeScheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(resumeTask);
            } catch (RejectedExecutionException e) {
                resumeScheduled.set(false);
            }
        }
    }

    /** Event loop. */
    private void resume() {
        if (!paused || inactive) {
            return;
        }
        while (!backlog.isEmpty() && inFlight.get() < options.maxInFlight()) {
            inFlight.incrementAndGet();
            dispatchFrame(backlog.poll());
        }
        handOver();
        if (backlog.isEmpty()) {
            paused = false;
            channel.config().setAutoRead(true);
            log.debug("handler caught up, reading resumed inFlight={} {}", inFlight.get(), who());
        }
    }

    /** Event loop: queues the frame for the handler; the task for it is scheduled at the end of the read. */
    private void dispatchFrame(InboundFrame frame) {
        inbox.offer(frame);
    }

    /** Handler thread. */
    private void handle(InboundFrame frame) {
        Message message = frame.message();
        if (frame.kind() == FrameCodec.ONE_WAY) {
            try {
                handler.onMessage(this, message);
            } catch (Throwable e) {
                log.warn("message handler failed type={} {}", MessageType.of(message), who(), e);
            } finally {
                release();
            }
            return;
        }
        CompletableFuture<? extends Message> reply;
        try {
            reply = handler.onRequest(this, message);
            if (reply == null) {
                reply = CompletableFuture.failedFuture(new IllegalStateException("handler returned no reply"));
            }
        } catch (Throwable e) {
            reply = CompletableFuture.failedFuture(e);
        }
        long id = frame.correlationId();
        MessageType type = MessageType.of(message);
        reply.whenComplete((response, error) -> {
            release();
            respond(id, type, response, error);
        });
    }

    private void respond(long id, MessageType requestType, Message response, Throwable error) {
        if (!isOpen()) {
            log.debug("dropping response to closed connection id={} requestType={} {}", id, requestType, who());
            return;
        }
        Message out;
        if (error != null) {
            Throwable cause = unwrap(error);
            if (cause instanceof RemoteException remote) {
                out = new ErrorReply(remote.code(), remote.remoteMessage());
            } else {
                log.warn("request handler failed requestType={} id={} {}", requestType, id, who(), cause);
                out = new ErrorReply("internal", String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause));
            }
        } else if (response == null) {
            out = new ErrorReply("internal", "handler completed without a reply");
        } else {
            out = response;
        }
        ByteBuf frame;
        try {
            frame = FrameCodec.encode(channel.alloc(), FrameCodec.RESPONSE, id, out, options.maxFrameBytes());
        } catch (RuntimeException e) {
            log.warn("cannot encode response requestType={} id={} {} reason=\"{}\"", requestType, id, who(), e.getMessage());
            frame = FrameCodec.encode(channel.alloc(), FrameCodec.RESPONSE, id,
                    new ErrorReply("internal", "reply could not be encoded: " + e.getMessage()), options.maxFrameBytes());
        }
        if (!enqueue(frame)) {
            log.debug("dropping response, outbound limit exceeded id={} requestType={} {}", id, requestType, who());
        }
        if (options.enrolOnly()) {
            close("enrolment answered");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        setChannelBytes(channelPendingBytes());
        boolean writable = channel.isWritable();
        if (established && writable != reportedWritable) {
            reportedWritable = writable; // report transitions only, alternating, starting with false
            log.debug("writability changed writable={} {}", writable, who());
            dispatch(() -> handler.onWritabilityChanged(this, writable), "onWritabilityChanged");
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = rootCause(cause);
        if (root instanceof ClosedChannelException) {
            return;
        }
        String reason;
        if (root instanceof IOException && !(root instanceof SSLException)) {
            reason = "I/O error: " + FrameDecoder.oneLine(root);
            log.info("closing connection reason=\"{}\" role={} {}", reason, options.role(), who());
        } else if (hasCause(cause, SSLException.class)) {
            reason = "TLS error: " + FrameDecoder.oneLine(root);
            if (established) {
                log.warn("closing connection reason=\"{}\" role={} {}", reason, options.role(), who());
            }
        } else {
            reason = "internal error: " + FrameDecoder.oneLine(root);
            log.warn("closing connection reason=\"{}\" role={} {}", reason, options.role(), who(), cause);
        }
        closeReason.compareAndSet(null, reason);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inactive = true;
        closeReason.compareAndSet(null, "connection closed by peer");
        String reason = closeReason.get();
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        backlog.clear();
        releaseOutbound();
        setChannelBytes(0);
        leaveBudget();
        handshake.completeExceptionally(new ConnectionClosedException(reason));
        List<Pending> failed = new ArrayList<>();
        for (Pending p : pending.values()) {
            if (pending.remove(p.id, p)) {
                if (p.timeout != null) {
                    p.timeout.cancel();
                }
                failed.add(p);
            }
        }
        if (established) {
            log.debug("connection closed role={} {} reason=\"{}\"", options.role(), who(), reason);
            ConnectionClosedException closed = new ConnectionClosedException(reason);
            // behind what was read before the close; the failures complete inline if the executor is gone
            inbox.offer((Runnable) () -> failed.forEach(p -> p.future.completeExceptionally(closed)));
            dispatch(() -> handler.onDisconnected(this, reason), "onDisconnected");
        } else {
            ConnectionClosedException closed = new ConnectionClosedException(reason);
            failed.forEach(p -> complete(p.future, null, closed));
        }
        terminated.complete(reason);
        ctx.fireChannelInactive();
    }

    /** Called by the decoder (event loop) on a malformed stream: log, close this connection only. */
    void protocolError(String reason) {
        if (closeReason.compareAndSet(null, reason)) {
            log.warn("closing connection on protocol error reason=\"{}\" role={} {}", reason, options.role(), who());
        }
        backlog.clear();
        channel.close();
    }

    // ---- helpers ----

    /** Runs a handler callback behind everything read before it (dropped if the executor is gone). */
    private void dispatch(Runnable callback, String name) {
        inbox.offer(new Callback(name, callback));
        handOver();
    }

    /** Completes a caller's future on the handler executor (inline if it is gone). */
    private void complete(CompletableFuture<Message> future, Message value, Throwable error) {
        Runnable completion = error == null ? () -> future.complete(value) : () -> future.completeExceptionally(error);
        try {
            executor.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private String reasonOr(String fallback) {
        String reason = closeReason.get();
        return reason != null ? reason : fallback;
    }

    private String who() {
        return "remote=" + channel.remoteAddress() + " node=" + peerNodeId;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** A handler callback other than a message, as an inbox item. */
    private record Callback(String name, Runnable run) {}

    /** An outstanding request of ours; also its own timeout task. */
    private final class Pending implements TimerTask {
        final long id;
        final MessageType type;
        final Duration after;
        final CompletableFuture<Message> future;
        volatile Timeout timeout;

        Pending(long id, MessageType type, Duration after, CompletableFuture<Message> future) {
            this.id = id;
            this.type = type;
            this.after = after;
            this.future = future;
        }

        @Override
        public void run(Timeout t) {
            if (pending.remove(id, this)) {
                complete(future, null, new TimeoutException("request " + type + " id=" + id + " got no response within "
                        + after.toMillis() + " ms (" + who() + ")"));
            }
        }
    }
}
