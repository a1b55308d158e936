package dev.sovra.controller.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Typed view of one key prefix of the {@link StateStore}: records are stored as JSON.
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

    public Repository(StateStore store, String prefix, Class<T> type) {
        this.store = store;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.type = type;
    }

    public Optional<Versioned<T>> get(String id) {
        return store.get(prefix + id).map(this::decode);
    }

    public List<Versioned<T>> list() {
        return list("");
    }

    /** Entries whose id starts with idPrefix. */
    public List<Versioned<T>> list(String idPrefix) {
        return store.list(prefix + idPrefix).stream().map(this::decode).toList();
    }

    /** Creates or replaces id if it is still at expectedRevision (0: must not exist). */
    public Optional<Versioned<T>> compareAndPut(String id, T value, long expectedRevision) {
        return store.compareAndPut(prefix + id, encode(value), expectedRevision)
                .map(e -> new Versioned<>(id, value, e.modRevision()));
    }

    public boolean compareAndDelete(String id, long expectedRevision) {
        return store.compareAndDelete(prefix + id, expectedRevision);
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
