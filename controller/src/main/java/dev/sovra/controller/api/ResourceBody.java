package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.Validation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PUT body of a SECA resource: the user-mutable maps and the spec. Metadata (except the region the
 * client names) and status are read-only and ignored, so a client may send back what it read. The body is
 * bound as a plain JSON object and read here rather than by the JSON binder, so that a field of the wrong
 * shape is refused (400) with its name instead of a parser message; any other top-level field is refused too.
 */
public record ResourceBody(
        Map<String, String> labels,
        Map<String, String> annotations,
        Map<String, String> extensions,
        Map<String, Object> metadata,
        Map<String, Object> spec,
        Map<String, Object> status) {
    private static final List<String> FIELDS = List.of("labels", "annotations", "extensions", "metadata", "spec", "status");

    /** Reads a body bound as a JSON object; null stays null (no body). */
    static ResourceBody of(Map<String, Object> body) {
        if (body == null) {
            return null;
        }
        for (String field : body.keySet()) {
            if (!FIELDS.contains(field)) {
                throw ApiProblem.badRequest("unknown field '" + Validation.abbreviate(field) + "' in the request body; a SECA resource has "
                        + String.join(", ", FIELDS));
            }
        }
        return new ResourceBody(strings("labels", body.get("labels")), strings("annotations", body.get("annotations")),
                strings("extensions", body.get("extensions")), object("metadata", body.get("metadata")), object("spec", body.get("spec")),
                object("status", body.get("status")));
    }

    private static Map<String, String> strings(String field, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw ApiProblem.badRequest(field + " must be an object of strings");
        }
        Map<String, String> strings = new LinkedHashMap<>();
        map.forEach((key, entry) -> {
            if (!(entry instanceof String text)) {
                throw ApiProblem.badRequest(field + "." + Validation.abbreviate(String.valueOf(key)) + " must be a string");
            }
            strings.put(String.valueOf(key), text);
        });
        return strings;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(String field, Object value) {
        if (value != null && !(value instanceof Map<?, ?>)) {
            throw ApiProblem.badRequest(field + " must be an object");
        }
        return (Map<String, Object>) value;
    }

    public ResourceRequest toRequest(boolean specRequired) {
        if (specRequired && spec == null) {
            throw ApiProblem.unprocessable("spec is required");
        }
        Object region = metadata == null ? null : metadata.get("region");
        return new ResourceRequest(labels, annotations, extensions, region == null ? null : String.valueOf(region),
                spec == null ? Map.of() : spec);
    }
}
