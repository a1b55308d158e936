package dev.sovra.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller-wide bound on bytes waiting to be sent over all agent connections together (queued plus in
 * Netty's channel buffers; direct memory that {@code -Xmx} does not bound). Each connection also has its own bound
 * ({@link ConnectionOptions#maxOutboundBytes}); this one caps their sum, which with thousands of agents would
 * otherwise reach connections x per-connection bound. Over the budget, the connection holding the most waiting
 * bytes is closed (its peer is the one reading slowest; it resynchronises on reconnect), until the sum fits again.
 */
final class OutboundBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final Set<NettyConnection> members = ConcurrentHashMap.newKeySet();

    OutboundBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the outbound budget must be positive, was " + limit);
        }
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** Bytes waiting on all member connections, as they accounted them. */
    long used() {
        return used.get();
    }

    /**
     * More than half the budget is in use: connections report themselves unwritable so that polite senders (the
     * controller's pushes) wait for replies to drain it instead of running into evictions.
     */
    boolean pressed() {
        return used.get() > limit / 2;
    }

    void join(NettyConnection connection) {
        members.add(connection);
    }

    void leave(NettyConnection connection) {
        members.remove(connection);
    }

    void add(long delta) {
        used.addAndGet(delta);
    }

    /**
     * Called by {@code sender} after it accounted a new frame: while the budget is exceeded, closes the member
     * holding the most bytes. False if that was the sender itself (its frame must not be queued).
     */
    boolean admit(NettyConnection sender) {
        if (used.get() <= limit) {
            return true;
        }
        synchronized (this) {
            while (used.get() > limit) {
                NettyConnection largest = null;
                long most = 0;
                for (NettyConnection member : members) {
                    long held = member.budgetShare();
                    if (held > most) {
                        most = held;
                        largest = member;
                    }
                }
                if (largest == null) {
                    return true;
                }
                largest.evict(used.get(), limit);
                if (largest == sender) {
                    return false;
                }
            }
            return true;
        }
    }
}
