package dev.sovra.controller.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/**
 * Typed view of one key prefix of the {@link StateStore}: records are stored as JSON.
 *
 * <p>A {@link #decodeCached decode-caching} repository keeps each value it decoded with its mod revision and decodes a
 * key again only when the store has a newer revision of it: a reconcile pass lists every instance, volume and
 * resource, and decoding the JSON of unchanged records was most of its cost. The values are immutable records and a
 * revision names one stored value, so a cached value is exactly what decoding would give.
 *
 * @param <T> the record type stored under the prefix
 */
public final class Repository<T> {
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final StateStore store;
    private final String prefix;
    private final Class<T> type;
    /** Decoded values by key, or null when this repository does not cache. */
    private final ConcurrentNavigableMap<String, Versioned<T>> decoded;

    public Repository(StateStore store, String prefix, Class<T> type) {
        this(store, prefix, type, false);
    }

    private Repository(StateStore store, String prefix, Class<T> type, boolean cacheDecoded) {
        this.store = store;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.type = type;
        this.decoded = cacheDecoded ? new ConcurrentSkipListMap<>() : null;
    }

    /** A repository that decodes a stored value only once per revision (for prefixes listed in full every pass). */
    public static <T> Repository<T> decodeCached(StateStore store, String prefix, Class<T> type) {
        return new Repository<>(store, prefix, type, true);
    }

    public Optional<Versioned<T>> get(String id) {
        return store.get(prefix + id).map(this::decode);
    }

    public List<Versioned<T>> list() {
        return list("");
    }

    /** Entries whose id starts with idPrefix. */
    public List<Versioned<T>> list(String idPrefix) {
        List<StateStore.Entry> entries = store.list(prefix + idPrefix);
        List<Versioned<T>> values = entries.stream().map(this::decode).toList();
        if (decoded != null) { // forget the keys of this range that were deleted meanwhile (by anyone)
            Set<String> present = new HashSet<>(entries.size() * 2);
            entries.forEach(entry -> present.add(entry.key()));
            String from = prefix + idPrefix;
            decoded.subMap(from, from + Character.MAX_VALUE).keySet().retainAll(present);
        }
        return values;
    }

    /** The revision of the whole store this repository is a view of (see {@link StateStore#revision()}). */
    public long storeRevision() {
        return store.revision();
    }

    /** Creates or replaces id if it is still at expectedRevision (0: must not exist). */
    public Optional<Versioned<T>> compareAndPut(String id, T value, long expectedRevision) {
        return store.compareAndPut(prefix + id, encode(value), expectedRevision)
                .map(e -> new Versioned<>(id, value, e.modRevision()));
    }

    public boolean compareAndDelete(String id, long expectedRevision) {
        boolean deleted = store.compareAndDelete(prefix + id, expectedRevision);
        if (deleted && decoded != null) {
            decoded.remove(prefix + id);
        }
        return deleted;
    }

    /**
     * Applies change to the current value and writes it, retrying on concurrent modification.
     * The function returns null to leave the value untouched.
     *
     * @return the value after the update, or empty if id does not exist
     */
    public Optional<Versioned<T>> update(String id, UnaryOperator<T> change) {
        while (true) {
            Optional<Versioned<T>> current = get(id);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            T changed = change.apply(current.get().value());
            if (changed == null || changed.equals(current.get().value())) {
                return current;
            }
            Optional<Versioned<T>> written = compareAndPut(id, changed, current.get().revision());
            if (written.isPresent()) {
                return written;
            }
        }
    }

    private Versioned<T> decode(StateStore.Entry entry) {
        if (decoded == null) {
            return decodeJson(entry);
        }
        Versioned<T> cached = decoded.get(entry.key());
        if (cached != null && cached.revision() == entry.modRevision()) {
            return cached;
        }
        Versioned<T> fresh = decodeJson(entry);
        decoded.merge(entry.key(), fresh, (old, next) -> old.revision() >= next.revision() ? old : next);
        return fresh;
    }

    private Versioned<T> decodeJson(StateStore.Entry entry) {
        try {
            return new Versioned<>(entry.key().substring(prefix.length()), JSON.readValue(entry.value(), type),
                    entry.modRevision());
        } catch (IOException e) {
            throw new StoreException("cannot decode " + type.getSimpleName() + " at " + entry.key(), e);
        }
    }

    private byte[] encode(T value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new StoreException("cannot encode " + type.getSimpleName(), e);
        }
    }

    /** A value with the store revision it was read or written at. */
    public record Versioned<T>(String id, T value, long revision) {}
}
