package dev.sovra.controller.store;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded {@link StateStore} on H2's MVStore (a log-structured, crash-safe B-tree file store).
 * Each value is stored with its mod revision in front; a store-wide revision counter gives every
 * write a unique, increasing revision as etcd does. Writes are serialised and committed before
 * returning, so a crash of the process never loses an acknowledged write.
 */
public final class MvStateStore implements StateStore {
    private static final Logger log = LoggerFactory.getLogger(MvStateStore.class);
    private static final String REVISION_KEY = "revision";

    private final MVStore store;
    private final MVMap<String, byte[]> data;
    private final MVMap<String, Long> meta;
    /** Written under the lock after the commit, read without it ({@link #revision()}). */
    private volatile long revision;

    private MvStateStore(MVStore store) {
        this.store = store;
        this.data = store.openMap("data");
        this.meta = store.openMap("meta");
        this.revision = meta.getOrDefault(REVISION_KEY, 0L);
    }

    public static MvStateStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create directory for state store " + file, e);
        }
        MVStore store = new MVStore.Builder()
                .fileName(file.toString())
                .autoCommitDisabled()
                .open();
        MvStateStore result = new MvStateStore(store);
        log.info("state store opened file={} revision={} keys={}", file, result.revision, result.data.size());
        return result;
    }

    @Override
    public Optional<Entry> get(String key) {
        byte[] raw = data.get(key);
        return raw == null ? Optional.empty() : Optional.of(decode(key, raw));
    }

    @Override
    public List<Entry> list(String prefix) {
        List<Entry> result = new ArrayList<>();
        Cursor<String, byte[]> cursor = data.cursor(prefix);
        while (cursor.hasNext()) {
            String key = cursor.next();
            if (!key.startsWith(prefix)) {
                break;
            }
            result.add(decode(key, cursor.getValue()));
        }
        return result;
    }

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public synchronized Optional<Entry> compareAndPut(String key, byte[] value, long expectedRevision) {
        if (currentRevision(key) != expectedRevision) {
            return Optional.empty();
        }
        long newRevision = revision + 1;
        data.put(key, encode(newRevision, value));
        meta.put(REVISION_KEY, newRevision);
        store.commit();
        revision = newRevision;
        return Optional.of(new Entry(key, value, newRevision));
    }

    @Override
    public synchronized boolean compareAndDelete(String key, long expectedRevision) {
        if (expectedRevision == 0 || currentRevision(key) != expectedRevision) {
            return false;
        }
        long newRevision = revision + 1;
        data.remove(key);
        meta.put(REVISION_KEY, newRevision);
        store.commit();
        revision = newRevision;
        return true;
    }

    @Override
    public synchronized void close() {
        if (!store.isClosed()) {
            store.close();
        }
    }

    private long currentRevision(String key) {
        byte[] raw = data.get(key);
        return raw == null ? 0 : ByteBuffer.wrap(raw).getLong();
    }

    private static byte[] encode(long modRevision, byte[] value) {
        return ByteBuffer.allocate(Long.BYTES + value.length).putLong(modRevision).put(value).array();
    }

    private static Entry decode(String key, byte[] raw) {
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        long modRevision = buffer.getLong();
        byte[] value = new byte[buffer.remaining()];
        buffer.get(value);
        return new Entry(key, value, modRevision);
    }
}
