package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The result of one successful operation of a transaction (RFC 7047 section 5.2). */
public record OperationResult(JsonNode raw) {

    /** The uuid of the row an {@code insert} created. */
    public UUID uuid() {
        if (!raw.has("uuid")) {
            throw new IllegalStateException("not an insert result: " + raw);
        }
        return OvsdbValues.uuid(raw.get("uuid"));
    }

    /** How many rows an {@code update}, {@code mutate} or {@code delete} matched. */
    public long count() {
        if (!raw.has("count")) {
            throw new IllegalStateException("not an update/mutate/delete result: " + raw);
        }
        return raw.get("count").asLong();
    }

    /** The rows a {@code select} returned. */
    public List<Row> rows() {
        if (!raw.has("rows")) {
            throw new IllegalStateException("not a select result: " + raw);
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode row : raw.get("rows")) {
            rows.add(new Row((ObjectNode) row));
        }
        return rows;
    }
}
