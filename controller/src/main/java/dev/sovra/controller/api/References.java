package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import java.util.Map;

/** Reads SECA references given in object, URN or short form and returns the name of the target. */
final class References {
    private References() {}

    /**
     * @param field the JSON field, for error messages
     * @param plural the plural the reference must point at, e.g. {@code skus}
     * @return the referenced name
     */
    static String name(String field, Object reference, String plural) {
        if (reference == null) {
            return null;
        }
        String resource;
        if (reference instanceof String text) {
            resource = text;
        } else if (reference instanceof Map<?, ?> map && map.get("resource") instanceof String text) {
            resource = text;
        } else {
            throw ApiProblem.unprocessable(field + " must be a reference: a string or an object with 'resource'");
        }
        int at = resource.lastIndexOf(plural + "/");
        if (at < 0 || (at > 0 && resource.charAt(at - 1) != '/')) {
            throw ApiProblem.unprocessable(field + " must reference " + plural + "/<name>, was " + resource);
        }
        String name = resource.substring(at + plural.length() + 1);
        if (name.isEmpty() || name.contains("/")) {
            throw ApiProblem.unprocessable(field + " must reference " + plural + "/<name>, was " + resource);
        }
        return name;
    }
}
