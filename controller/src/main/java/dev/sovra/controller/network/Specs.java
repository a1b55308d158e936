package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Typed reads of a spec kept in its wire shape; every violation is a refusal naming the field. */
final class Specs {
    private Specs() {}

    static ApiProblem invalid(String field, String message) {
        return ApiProblem.unprocessable(field + " " + message);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String field, Object value, boolean required) {
        if (value == null) {
            if (required) {
                throw invalid(field, "is required");
            }
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw invalid(field, "must be an object");
        }
        return (Map<String, Object>) map;
    }

    static String string(String field, Object value, boolean required, int min, int max) {
        if (value == null) {
            if (required) {
                throw invalid(field, "is required");
            }
            return null;
        }
        if (!(value instanceof String text)) {
            throw invalid(field, "must be a string");
        }
        if (text.length() < min || text.length() > max) {
            throw invalid(field, "must be " + min + " to " + max + " characters, was " + text.length());
        }
        return text;
    }

    static String oneOf(String field, Object value, boolean required, Set<String> allowed) {
        String text = string(field, value, required, 0, 64);
        if (text != null && !allowed.contains(text)) {
            throw invalid(field, "must be one of " + allowed.stream().sorted().toList() + ", was '" + text + "'");
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(String field, Object value, boolean required, int min, int max) {
        if (value == null) {
            if (required) {
                throw invalid(field, "is required");
            }
            return null;
        }
        if (!(value instanceof List<?> list)) {
            throw invalid(field, "must be an array");
        }
        if (list.size() < min || list.size() > max) {
            throw invalid(field, "must hold " + min + " to " + max + " entries, has " + list.size());
        }
        return (List<Object>) list;
    }

    static Long integer(String field, Object value, boolean required, long min, long max) {
        if (value == null) {
            if (required) {
                throw invalid(field, "is required");
            }
            return null;
        }
        if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
            throw invalid(field, "must be a whole number");
        }
        // Compared as a double first: a BigInteger beyond long would wrap in longValue() and slip into range.
        double v = number.doubleValue();
        if (v < min || v > max) {
            throw invalid(field, "must be between " + min + " and " + max + ", was " + number);
        }
        return number.longValue();
    }

    static Boolean bool(String field, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean b)) {
            throw invalid(field, "must be true or false");
        }
        return b;
    }

    static void stringMap(String field, Object value) {
        Map<String, Object> map = object(field, value, false);
        if (map != null) {
            map.forEach((k, v) -> string(field + "." + k, v, true, 0, 1024));
        }
    }
}
