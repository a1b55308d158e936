package dev.sovra.agent.storage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per key, held while an operation on that object runs, so two calls for the same object never
 * interleave (they share a temporary name) while calls for different objects run in parallel. Entries are
 * dropped when no thread holds or waits for them.
 */
public final class UidLocks {
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users; // guarded by the map's compute
    }

    /** Runs {@code action} while holding the lock of {@code key}. */
    public <T> T withLock(String key, Supplier<T> action) {
        Entry entry = entries.compute(key, (k, existing) -> {
            Entry e = existing == null ? new Entry() : existing;
            e.users++;
            return e;
        });
        try {
            entry.lock.lock();
            try {
                return action.get();
            } finally {
                entry.lock.unlock();
            }
        } finally {
            entries.computeIfPresent(key, (k, e) -> --e.users == 0 ? null : e);
        }
    }

    /** Runs {@code action} while holding the lock of {@code key}. */
    public void withLock(String key, Runnable action) {
        withLock(key, () -> {
            action.run();
            return null;
        });
    }
}
