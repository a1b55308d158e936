package dev.sovra.controller.store;

import java.util.List;
import java.util.Optional;

/**
 * The controller's durable key-value state, with per-key modification revisions for optimistic
 * concurrency. Deliberately the shape of etcd's API (get, range by prefix, compare-and-swap on
 * mod revision) so an etcd-backed implementation can replace the embedded one for HA controllers.
 * Every successful write is durable when the call returns.
 */
public interface StateStore extends AutoCloseable {

    Optional<Entry> get(String key);

    /** All entries whose key starts with prefix, in key order. */
    List<Entry> list(String prefix);

    /**
     * Writes value if the key's current mod revision equals expectedRevision (0 means "must not exist").
     *
     * @return the written entry, or empty if the key changed concurrently
     */
    Optional<Entry> compareAndPut(String key, byte[] value, long expectedRevision);

    /** Deletes the key if its mod revision equals expectedRevision; false if it changed or is gone. */
    boolean compareAndDelete(String key, long expectedRevision);

    /**
     * The store revision of the last successful write or delete (0 for an empty store): it changes whenever any
     * key does, so a reader that saw revision r and sees r again knows that nothing changed in between.
     */
    long revision();

    @Override
    void close();

    /** A stored value and the store revision at which it was last modified. */
    record Entry(String key, byte[] value, long modRevision) {}
}
