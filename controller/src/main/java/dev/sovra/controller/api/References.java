package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.Reference;

/** Reads SECA references given in object, URN or short form and returns the name of the target. */
final class References {
    private References() {}

    /**
     * The name a reference names, which must lie in this provider, tenant and region, and in this workspace
     * (or, for a tenant-level target such as a SKU, name no workspace).
     *
     * @param field the JSON field, for error messages
     * @param plural the plural the reference must point at, e.g. {@code skus}
     * @param workspace the referrer's workspace, or null when the target is tenant-level
     * @return the referenced name, or null when reference is null
     */
    static String name(String field, Object reference, String plural, String provider, String tenant, String workspace, String region) {
        if (reference == null) {
            return null;
        }
        Reference parsed = Reference.parse(field, reference, plural);
        parsed.requireContext(field, provider, tenant, region);
        if (workspace == null && parsed.workspace() != null) {
            throw ApiProblem.unprocessable(field + " must not name a workspace: " + plural + " are tenant-level");
        }
        if (workspace != null && parsed.workspace() != null && !parsed.workspace().equals(workspace)) {
            throw ApiProblem.unprocessable(field + " must stay in workspace " + workspace + ", not " + parsed.workspace());
        }
        return parsed.name();
    }
}
