package dev.sovra.controller.resource;

import dev.sovra.controller.compute.ApiProblem;
import java.util.Map;

/**
 * A reference in any of the API.md 4 forms, split into its parts: the full URN
 * ({@code seca.storage/v1/tenants/t/workspaces/w/block-storages/b}), a short form
 * ({@code workspaces/w/block-storages/b}, {@code block-storages/b}), given as a string or as an object
 * whose {@code resource} holds it and whose optional {@code provider}, {@code tenant},
 * {@code workspace}, {@code region} fill in (or must agree with) the parts the text names.
 */
public record Reference(String provider, String tenant, String workspace, String region, String name) {
    private static final int MAX_REFERENCE = 256;

    public static Reference parse(String field, Object reference, String plural) {
        String resource;
        Map<?, ?> object = null;
        if (reference instanceof String text) {
            resource = text;
        } else if (reference instanceof Map<?, ?> map && map.get("resource") instanceof String text) {
            resource = text;
            object = map;
        } else {
            throw ApiProblem.unprocessable(field + " must be a reference: a string or an object with 'resource'");
        }
        if (resource.isEmpty() || resource.length() > MAX_REFERENCE) {
            throw ApiProblem.unprocessable(field + ".resource must be 1 to " + MAX_REFERENCE + " characters");
        }
        String[] segments = resource.split("/", -1);
        int at = 0;
        String provider = null;
        String tenant = null;
        String workspace = null;
        if (segments.length > 2 && segments[0].startsWith("seca.")) {
            provider = segments[0] + "/" + segments[1];
            at = 2;
        }
        if (segments.length - at > 2 && segments[at].equals("tenants")) {
            tenant = segments[at + 1];
            at += 2;
        }
        if (segments.length - at > 2 && segments[at].equals("workspaces")) {
            workspace = segments[at + 1];
            at += 2;
        }
        if (segments.length - at != 2 || !segments[at].equals(plural)) {
            throw ApiProblem.unprocessable(field + " must reference " + plural + "/<name>, was " + resource);
        }
        String name = segments[at + 1];
        Validation.name(field + " name", name);
        String region = null;
        if (object != null) {
            provider = agree(field, "provider", provider, object.get("provider"));
            tenant = agree(field, "tenant", tenant, object.get("tenant"));
            workspace = agree(field, "workspace", workspace, object.get("workspace"));
            region = agree(field, "region", null, object.get("region"));
        }
        if (tenant != null) {
            Validation.name(field + " tenant", tenant);
        }
        if (workspace != null) {
            Validation.name(field + " workspace", workspace);
        }
        return new Reference(provider, tenant, workspace, region, name);
    }

    private static String agree(String field, String part, String fromText, Object fromObject) {
        if (fromObject == null || "".equals(fromObject)) {
            return fromText;
        }
        if (!(fromObject instanceof String value)) {
            throw ApiProblem.unprocessable(field + "." + part + " must be a string");
        }
        if (fromText != null && !fromText.equals(value)) {
            throw ApiProblem.unprocessable(field + "." + part + " is " + value + " but its resource names " + fromText);
        }
        return value;
    }

    /** Refuses parts that point outside this storage provider, tenant and region. */
    public void requireContext(String field, String expectedProvider, String currentTenant, String currentRegion) {
        if (provider != null && !provider.equals(expectedProvider)) {
            throw ApiProblem.unprocessable(field + " must reference a " + expectedProvider + " resource, not " + provider);
        }
        if (tenant != null && !tenant.equals(currentTenant)) {
            throw ApiProblem.unprocessable(field + " must stay in tenant " + currentTenant + ", not " + tenant);
        }
        if (region != null && !region.equals(currentRegion)) {
            throw ApiProblem.unprocessable(field + ": no region named " + region + " (this is " + currentRegion + ")");
        }
    }
}

