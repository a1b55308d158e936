package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One OVSDB row as returned by {@code select} or a monitor, with typed accessors for the OVSDB value notation.
 * Only the columns that were asked for (or, in a monitor's {@code old}, that changed) are present.
 */
public record Row(ObjectNode columns) {

    public Row {
        columns = columns.deepCopy();
    }

    /** A copy of the row's JSON object. */
    @Override
    public ObjectNode columns() {
        return columns.deepCopy();
    }

    public boolean has(String column) {
        return columns.has(column);
    }

    public Set<String> columnNames() {
        Set<String> names = new TreeSet<>();
        columns.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The column's raw JSON value. */
    public JsonNode get(String column) {
        JsonNode value = columns.get(column);
        if (value == null) {
            throw new IllegalArgumentException("row has no column " + column + " (columns: " + columnNames() + ")");
        }
        return value;
    }

    /** The row's {@code _uuid}. */
    public UUID uuid() {
        return uuid("_uuid");
    }

    public UUID uuid(String column) {
        return OvsdbValues.uuid(get(column));
    }

    public String string(String column) {
        return get(column).asText();
    }

    public long integer(String column) {
        return get(column).asLong();
    }

    public boolean bool(String column) {
        return get(column).asBoolean();
    }

    /** An optional integer column (a set of 0 or 1 integers, e.g. Port {@code tag}). */
    public OptionalLong optionalInteger(String column) {
        List<JsonNode> elements = set(column);
        return elements.isEmpty() ? OptionalLong.empty() : OptionalLong.of(elements.get(0).asLong());
    }

    /** An optional string column (a set of 0 or 1 strings). */
    public Optional<String> optionalString(String column) {
        List<JsonNode> elements = set(column);
        return elements.isEmpty() ? Optional.empty() : Optional.of(elements.get(0).asText());
    }

    /** The elements of a set column (a lone atom counts as a set of one). */
    public List<JsonNode> set(String column) {
        return OvsdbValues.setElements(get(column));
    }

    /** A set-of-uuid column (e.g. Bridge {@code ports}). */
    public List<UUID> uuidSet(String column) {
        List<UUID> uuids = new ArrayList<>();
        for (JsonNode element : set(column)) {
            uuids.add(OvsdbValues.uuid(element));
        }
        return uuids;
    }

    /** A string-to-string map column (e.g. {@code external_ids}). */
    public Map<String, String> stringMap(String column) {
        return OvsdbValues.stringMap(get(column));
    }

    @Override
    public String toString() {
        return columns.toString();
    }
}
