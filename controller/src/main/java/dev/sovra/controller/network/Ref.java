package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.Validation;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A SECA reference, read from its string or object form: optional provider, tenant and workspace, then
 * {@code <plural>/<name>} pairs, e.g. {@code seca.network/v1/tenants/t/workspaces/w/networks/n/subnets/s}.
 * The network provider resolves references within the tenant and workspace of the referring resource only.
 *
 * @param path the pairs after tenant and workspace, in order (e.g. networks -> n, subnets -> s)
 */
record Ref(String field, String text, String provider, String tenant, String workspace, Map<String, String> path) {
    /** A resource type segment: lower-case words joined by '-' (so no '..', '.', or empty segment). */
    private static final java.util.regex.Pattern PLURAL = java.util.regex.Pattern.compile("[a-z]+(-[a-z]+)*");

    /** Parses an entry of a list of references, which must not be null. */
    static Ref element(String field, Object reference) {
        if (reference == null) {
            throw ApiProblem.unprocessable(field + " must be a reference, not null");
        }
        return parse(field, reference);
    }

    /** Parses reference, or returns null if it is null. */
    static Ref parse(String field, Object reference) {
        if (reference == null) {
            return null;
        }
        String resource;
        String provider = null;
        String tenant = null;
        String workspace = null;
        if (reference instanceof String text) {
            resource = text;
        } else if (reference instanceof Map<?, ?> map && map.get("resource") instanceof String text) {
            resource = text;
            provider = optional(field, map.get("provider"));
            tenant = optional(field, map.get("tenant"));
            workspace = optional(field, map.get("workspace"));
        } else {
            throw ApiProblem.unprocessable(field + " must be a reference: a string or an object with 'resource'");
        }
        if (resource.isEmpty() || resource.length() > 256) {
            throw ApiProblem.unprocessable(field + ".resource must be 1 to 256 characters");
        }
        String[] parts = resource.split("/", -1);
        int i = 0;
        if (parts.length >= 2 && parts[0].startsWith("seca.") && parts[1].matches("v\\d+(alpha\\d+|beta\\d+)?")) {
            provider = parts[0] + "/" + parts[1];
            i = 2;
        }
        Map<String, String> path = new LinkedHashMap<>();
        if ((parts.length - i) % 2 != 0) {
            throw ApiProblem.unprocessable(field + " must reference <type>/<name>[/<type>/<name>], was " + resource);
        }
        for (; i < parts.length; i += 2) {
            String plural = parts[i];
            String name = parts[i + 1];
            if (!PLURAL.matcher(plural).matches() || name.isEmpty()) {
                throw ApiProblem.unprocessable(field + " must reference <type>/<name>, was " + resource);
            }
            if (plural.equals("tenants") && path.isEmpty() && workspace == null) {
                tenant = name;
            } else if (plural.equals("workspaces") && path.isEmpty()) {
                workspace = name;
            } else if (path.putIfAbsent(plural, name) != null) {
                throw ApiProblem.unprocessable(field + " names " + plural + " twice: " + resource);
            }
        }
        if (path.isEmpty()) {
            throw ApiProblem.unprocessable(field + " must reference <type>/<name>, was " + resource);
        }
        return new Ref(field, resource, provider, tenant, workspace, java.util.Collections.unmodifiableMap(path));
    }

    private static String optional(String field, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.length() > 64) {
            throw ApiProblem.unprocessable(field + ": provider, tenant, workspace and region must be strings of at most 64 characters");
        }
        return text.isEmpty() ? null : text;
    }

    /** The name of the last pair, which must be of plural; tenant and workspace, when given, must be the referrer's. */
    String target(String plural, String tenantOfReferrer, String workspaceOfReferrer) {
        if (tenant != null && !tenant.equals(tenantOfReferrer)) {
            throw ApiProblem.unprocessable(field + " points into tenant " + tenant + "; references must stay in tenant " + tenantOfReferrer);
        }
        if (workspace != null && workspaceOfReferrer != null && !workspace.equals(workspaceOfReferrer)) {
            throw ApiProblem.unprocessable(field + " points into workspace " + workspace
                    + "; network references must stay in workspace " + workspaceOfReferrer);
        }
        String name = path.get(plural);
        if (name == null || !lastPlural().equals(plural)) {
            throw ApiProblem.unprocessable(field + " must reference " + plural + "/<name>, was " + text);
        }
        Validation.name(field, name);
        return name;
    }

    String lastPlural() {
        String last = null;
        for (String plural : path.keySet()) {
            last = plural;
        }
        return last;
    }
}
