package dev.sovra.controller.resource;

import dev.sovra.controller.compute.ApiProblem;
import java.util.Map;
import java.util.regex.Pattern;

/** The SECA rules every resource shares: names, label and annotation limits. */
public final class Validation {
    private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    public static final int MAX_NAME = 128;
    public static final int MAX_LABEL_VALUE = 63;
    public static final int MAX_ANNOTATION_VALUE = 1024;
    public static final int MAX_ENTRIES = 64;

    private Validation() {}

    public static void name(String what, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw ApiProblem.unprocessable(what + " '" + abbreviate(name) + "' is not a valid name: lower-case letters, digits,"
                    + " '-' and '.', 1 to " + MAX_NAME + " characters");
        }
    }

    public static void labels(Map<String, String> labels, Map<String, String> annotations, Map<String, String> extensions) {
        entries("labels", labels, MAX_LABEL_VALUE);
        entries("annotations", annotations, MAX_ANNOTATION_VALUE);
        entries("extensions", extensions, MAX_ANNOTATION_VALUE);
    }

    private static void entries(String field, Map<String, String> entries, int maxValue) {
        if (entries == null) {
            return;
        }
        if (entries.size() > MAX_ENTRIES) {
            throw ApiProblem.unprocessable(field + " may hold at most " + MAX_ENTRIES + " entries");
        }
        entries.forEach((key, value) -> {
            if (key == null || key.isEmpty() || key.length() > 316) {
                throw ApiProblem.unprocessable(field + " key '" + abbreviate(key) + "' must be 1 to 316 characters");
            }
            if (value == null) {
                throw ApiProblem.unprocessable(field + "." + key + " must be a string");
            }
            if (value.length() > maxValue) {
                throw ApiProblem.unprocessable(field + "." + key + " is " + value.length() + " characters; at most " + maxValue);
            }
        });
    }

    public static String abbreviate(String text) {
        return text == null ? "null" : text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
