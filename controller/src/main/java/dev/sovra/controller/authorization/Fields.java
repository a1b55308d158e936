package dev.sovra.controller.authorization;

import dev.sovra.controller.compute.ApiProblem;
import java.util.List;
import java.util.Map;

/** Typed reads of wire-shaped spec values (maps, lists, strings); every misfit is a 412 refusal. */
final class Fields {
    private Fields() {}

    /** A required array of {@code min..max} entries. */
    static List<?> list(String field, Object value, int min, int max) {
        if (value == null) {
            throw ApiProblem.unprocessable(field + " is required");
        }
        return optionalList(field, value, min, max);
    }

    /** An optional array (null stays null) of {@code min..max} entries when present. */
    static List<?> optionalList(String field, Object value, int min, int max) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            throw ApiProblem.unprocessable(field + " must be an array");
        }
        if (list.size() < min || list.size() > max) {
            throw ApiProblem.unprocessable(field + " must hold " + min + " to " + max + " entries, has " + list.size());
        }
        return list;
    }

    /** A non-empty string of at most {@code max} characters. */
    static String text(String field, Object value, int max) {
        if (value == null) {
            throw ApiProblem.unprocessable(field + " is required");
        }
        if (!(value instanceof String text)) {
            throw ApiProblem.unprocessable(field + " must be a string");
        }
        if (text.isEmpty()) {
            throw ApiProblem.unprocessable(field + " must not be empty");
        }
        if (text.length() > max) {
            throw ApiProblem.unprocessable(field + " is " + text.length() + " characters; at most " + max);
        }
        return text;
    }

    static Map<?, ?> object(String field, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw ApiProblem.unprocessable(field + " must be an object");
        }
        return map;
    }
}
