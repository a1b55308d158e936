package dev.sovra.controller.authorization;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.model.Resource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The spec rules of a role (API.md 6.6, v1.7 limits; CONFORMANCE.md 2.6 RoleConstraintsValidation and
 * RoleError): {@code permissions[]} 1-256, each with a known {@code provider}, {@code resources[]}
 * 1-256 patterns and {@code verb[]} 1-16 allowed verbs.
 */
public final class RoleRules implements ResourceService.Rules {
    static final int MAX_PERMISSIONS = 256;
    static final int MAX_PROVIDER = 64;
    static final int MAX_RESOURCES = 256;
    static final int MAX_RESOURCE = 256;
    static final int MAX_VERBS = 16;
    static final int MAX_VERB = 7;

    /**
     * The verbs a permission may grant, compared case-insensitively (the suite writes HTTP methods,
     * {@code GET}/{@code PUT}; the spec writes {@code get}/{@code put}) and stored as sent. These are the
     * SECA operations: get, list, put, delete, and post for the instance actions. Other HTTP methods
     * (CONNECT, HEAD, OPTIONS, PATCH, TRACE) have no SECA operation and are refused (RoleError).
     * Deliberate: the spec's {@code post.start}/{@code post.stop}/{@code post.restart} examples cannot be
     * stored, because v1.7 also caps a verb at 7 characters (and RoleConstraintsValidation demands that
     * cap); {@code post} grants every action.
     */
    static final Set<String> VERBS = Set.of("get", "list", "put", "delete", "post");

    /**
     * A resource pattern: path segments of letters, digits, {@code . _ : -} and the wildcard {@code *},
     * e.g. {@code *}, {@code images/*}, {@code images/my-image}, {@code networks/n1/subnets/*}, or a
     * tenant-prefixed path as in PermissionMetadata ({@code tenants/t1/workspaces/ws1/instances/*}).
     * No empty segments, no segments of dots only ({@code .}, {@code ..}: no resource has such a name), no whitespace.
     */
    private static final Pattern RESOURCE = Pattern.compile("^(?!\\.+(/|$))[A-Za-z0-9._:*-]+(/(?!\\.+(/|$))[A-Za-z0-9._:*-]+)*$");

    @Override
    public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
        List<?> permissions = Fields.list("spec.permissions", request.spec().get("permissions"), 1, MAX_PERMISSIONS);
        for (int i = 0; i < permissions.size(); i++) {
            permission("spec.permissions[" + i + "]", permissions.get(i));
        }
    }

    private static void permission(String field, Object value) {
        Map<?, ?> permission = Fields.object(field, value);
        String provider = Fields.text(field + ".provider", permission.get("provider"), MAX_PROVIDER);
        List<?> resources = Fields.list(field + ".resources", permission.get("resources"), 1, MAX_RESOURCES);
        for (int i = 0; i < resources.size(); i++) {
            String resource = Fields.text(field + ".resources[" + i + "]", resources.get(i), MAX_RESOURCE);
            if (!RESOURCE.matcher(resource).matches()) {
                throw ApiProblem.unprocessable(field + ".resources[" + i + "] '" + resource + "' is not a resource pattern:"
                        + " '/'-separated segments of letters, digits, '.', '_', ':', '-' and the wildcard '*'");
            }
        }
        List<?> verbs = Fields.list(field + ".verb", permission.get("verb"), 1, MAX_VERBS);
        for (int i = 0; i < verbs.size(); i++) {
            String verb = Fields.text(field + ".verb[" + i + "]", verbs.get(i), MAX_VERB);
            if (!VERBS.contains(verb.toLowerCase(Locale.ROOT))) {
                throw ApiProblem.unprocessable(field + ".verb[" + i + "] '" + verb + "' is not a SECA verb; use one of "
                        + String.join(", ", List.of("get", "list", "put", "delete", "post")));
            }
        }
        if (!SecaProviders.KNOWN.contains(provider)) {
            throw ApiProblem.unprocessable(field + ".provider '" + provider + "' is not a SECA provider; use <name>/<version>,"
                    + " e.g. seca.storage/v1");
        }
    }
}
