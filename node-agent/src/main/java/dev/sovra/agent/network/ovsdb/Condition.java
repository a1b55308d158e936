package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;
import java.util.UUID;

/** One {@code where} clause element: {@code [column, function, value]} (RFC 7047 section 5.1 {@code <condition>}). */
public record Condition(String column, String function, Object value) {

    public Condition {
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(value, "value");
    }

    public static Condition eq(String column, Object value) {
        return new Condition(column, "==", value);
    }

    public static Condition ne(String column, Object value) {
        return new Condition(column, "!=", value);
    }

    public static Condition includes(String column, Object value) {
        return new Condition(column, "includes", value);
    }

    public static Condition excludes(String column, Object value) {
        return new Condition(column, "excludes", value);
    }

    /** {@code _uuid == uuid}: the row with this uuid. */
    public static Condition uuidIs(UUID uuid) {
        return eq("_uuid", uuid);
    }

    public JsonNode toJson() {
        return JsonNodeFactory.instance.arrayNode().add(column).add(function).add(OvsdbValues.toJson(value));
    }
}
