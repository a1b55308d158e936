package dev.sovra.transport;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;

/**
 * Outbound coalescing across connections for one handler thread. While a handler batch runs
 * ({@link #begin()} .. {@link #end()}), connections that got something to send are remembered per
 * event loop instead of each waking its loop; {@link #flush()} then wakes every loop once to drain all
 * of them (each connection still flushes once). Without this a handler answering N requests of N
 * connections on one loop caused N cross-thread wake-ups.
 * <p>
 * Frames sent from a callback therefore leave when that callback returns, at the latest (earlier if
 * the batch has run for {@link #MAX_DEFERRAL_NANOS}): a callback must not wait for the reply to a
 * request it sent itself (which would also deadlock on the callback's own connection).
 */
final class DeferredDrains {
    /** Batches that run longer than this flush after the current callback rather than at their end. */
    static final long MAX_DEFERRAL_NANOS = 100_000;

    private static final FastThreadLocal<DeferredDrains> CURRENT = new FastThreadLocal<>() {
        @Override
        protected DeferredDrains initialValue() {
            return new DeferredDrains();
        }
    };

    private boolean active;
    private long firstDeferralNanos;
    private final ArrayList<EventLoop> loops = new ArrayList<>(4);
    private final ArrayList<ArrayList<NettyConnection>> waiting = new ArrayList<>(4);

    private DeferredDrains() {}

    /** The running batch of this thread, or null when drains must be scheduled right away. */
    static DeferredDrains current() {
        DeferredDrains drains = CURRENT.getIfExists();
        return drains != null && drains.active ? drains : null;
    }

    /** Starts deferring on this thread; returns null if a batch is already running here (nothing to end). */
    static DeferredDrains begin() {
        DeferredDrains drains = CURRENT.get();
        if (drains.active) {
            return null;
        }
        drains.active = true;
        return drains;
    }

    void add(EventLoop loop, NettyConnection connection) {
        int index = loops.indexOf(loop);
        if (index < 0) {
            index = loops.size();
            loops.add(loop);
            waiting.add(new ArrayList<>());
        }
        ArrayList<NettyConnection> list = waiting.get(index);
        if (list.isEmpty() && isEmpty()) {
            firstDeferralNanos = System.nanoTime();
        }
        list.add(connection);
    }

    /** Between callbacks: flushes if something has waited too long. */
    void maybeFlush() {
        if (!isEmpty() && System.nanoTime() - firstDeferralNanos > MAX_DEFERRAL_NANOS) {
            flush();
        }
    }

    void end() {
        try {
            flush();
        } finally {
            active = false;
        }
    }

    private boolean isEmpty() {
        for (ArrayList<NettyConnection> list : waiting) {
            if (!list.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Wakes each event loop once to drain its connections. */
    void flush() {
        for (int i = 0; i < loops.size(); i++) {
            ArrayList<NettyConnection> list = waiting.get(i);
            if (list.isEmpty()) {
                continue;
            }
            NettyConnection[] connections = list.toArray(new NettyConnection[0]);
            list.clear();
            try {
                loops.get(i).execute(() -> {
                    for (NettyConnection connection : connections) {
                        connection.drainDeferred();
                    }
                });
            } catch (RejectedExecutionException e) {
                for (NettyConnection connection : connections) {
                    connection.drainRejected();
                }
            }
        }
        if (loops.size() > 16) { // loops of closed groups must not accumulate
            loops.clear();
            waiting.clear();
        }
    }
}
