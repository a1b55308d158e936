package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The OVSDB JSON value notation (RFC 7047 section 5.1) to and from Java.
 *
 * <p>Encoding ({@link #toJson}): {@code String}, integral numbers, {@code Double}/{@code Float},
 * {@code Boolean} are atoms; {@link UUID} is {@code ["uuid", ...]}; {@link NamedUuid} is
 * {@code ["named-uuid", ...]}; any {@link Collection} is a set {@code ["set", [...]]}; a {@link Map} is
 * {@code ["map", [[k, v], ...]]}; an empty {@link Optional}/{@link OptionalInt}/{@link OptionalLong} is the
 * empty set (how an optional column is cleared) and a present one its value; a {@link JsonNode} is passed
 * through. {@code null} is refused: OVSDB has no null.
 */
public final class OvsdbValues {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private OvsdbValues() {
    }

    public static JsonNode toJson(Object value) {
        if (value == null) {
            throw new IllegalArgumentException("OVSDB has no null; use Optional.empty() or an empty set");
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof Collection<?> collection) {
            ArrayNode elements = JSON.arrayNode();
            for (Object element : collection) {
                elements.add(atom(element));
            }
            return JSON.arrayNode().add("set").add(elements);
        }
        if (value instanceof Map<?, ?> map) {
            ArrayNode pairs = JSON.arrayNode();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                pairs.add(JSON.arrayNode().add(atom(entry.getKey())).add(atom(entry.getValue())));
            }
            return JSON.arrayNode().add("map").add(pairs);
        }
        if (value instanceof Optional<?> optional) {
            return optional.isPresent() ? atom(optional.get()) : emptySet();
        }
        if (value instanceof OptionalInt optional) {
            return optional.isPresent() ? JSON.numberNode(optional.getAsInt()) : emptySet();
        }
        if (value instanceof OptionalLong optional) {
            return optional.isPresent() ? JSON.numberNode(optional.getAsLong()) : emptySet();
        }
        return atom(value);
    }

    /** {@code ["set", []]}: the value that clears an optional or set column. */
    public static ArrayNode emptySet() {
        return JSON.arrayNode().add("set").add(JSON.arrayNode());
    }

    private static JsonNode atom(Object value) {
        if (value instanceof String text) {
            return JSON.textNode(text);
        }
        if (value instanceof Boolean bool) {
            return JSON.booleanNode(bool);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return JSON.numberNode(((Number) value).longValue());
        }
        if (value instanceof Double || value instanceof Float) {
            return JSON.numberNode(((Number) value).doubleValue());
        }
        if (value instanceof UUID uuid) {
            return JSON.arrayNode().add("uuid").add(uuid.toString());
        }
        if (value instanceof NamedUuid named) {
            return JSON.arrayNode().add("named-uuid").add(named.name());
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        throw new IllegalArgumentException("not an OVSDB atom: " + (value == null ? "null" : value.getClass().getName()));
    }

    /** The elements of a set value; a lone atom is a set of one (RFC 7047 allows both forms). */
    public static List<JsonNode> setElements(JsonNode value) {
        List<JsonNode> elements = new ArrayList<>();
        if (value == null || value.isMissingNode() || value.isNull()) {
            return elements;
        }
        if (value.isArray() && value.size() == 2 && "set".equals(value.get(0).asText()) && value.get(1).isArray()) {
            value.get(1).forEach(elements::add);
        } else {
            elements.add(value);
        }
        return elements;
    }

    /** The pairs of a map value, keys and values as text (OVSDB maps in the vswitch schema are string to string). */
    public static Map<String, String> stringMap(JsonNode value) {
        Map<String, String> map = new LinkedHashMap<>();
        if (value == null || value.isMissingNode() || value.isNull()) {
            return map;
        }
        if (!(value.isArray() && value.size() == 2 && "map".equals(value.get(0).asText()) && value.get(1).isArray())) {
            throw new IllegalArgumentException("not an OVSDB map: " + value);
        }
        for (JsonNode pair : value.get(1)) {
            map.put(atomText(pair.get(0)), atomText(pair.get(1)));
        }
        return map;
    }

    /** A {@code ["uuid", ...]} atom as a {@link UUID}. */
    public static UUID uuid(JsonNode atom) {
        if (atom != null && atom.isArray() && atom.size() == 2 && "uuid".equals(atom.get(0).asText())) {
            return UUID.fromString(atom.get(1).asText());
        }
        throw new IllegalArgumentException("not an OVSDB uuid: " + atom);
    }

    private static String atomText(JsonNode atom) {
        if (atom.isArray() && atom.size() == 2 && "uuid".equals(atom.get(0).asText())) {
            return atom.get(1).asText();
        }
        return atom.asText();
    }
}
