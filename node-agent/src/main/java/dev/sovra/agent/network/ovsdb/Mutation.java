package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;

/** One {@code mutate} element: {@code [column, mutator, value]} (RFC 7047 section 5.1 {@code <mutation>}). */
public record Mutation(String column, String mutator, Object value) {

    public Mutation {
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(mutator, "mutator");
        Objects.requireNonNull(value, "value");
    }

    /** Adds the elements of a set (a {@code Collection}) or the pairs of a map whose keys are absent. */
    public static Mutation insert(String column, Object value) {
        return new Mutation(column, "insert", value);
    }

    /** Removes the elements of a set, or from a map the given keys (a {@code Collection}) or exact pairs (a {@code Map}). */
    public static Mutation delete(String column, Object value) {
        return new Mutation(column, "delete", value);
    }

    public static Mutation add(String column, long value) {
        return new Mutation(column, "+=", value);
    }

    public JsonNode toJson() {
        return JsonNodeFactory.instance.arrayNode().add(column).add(mutator).add(OvsdbValues.toJson(value));
    }
}
