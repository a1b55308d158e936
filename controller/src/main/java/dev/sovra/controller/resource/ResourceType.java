package dev.sovra.controller.resource;

/**
 * One kind of SECA resource the controller stores: its provider, URL plural and metadata kind.
 *
 * @param provider provider and version as SECA writes them, e.g. {@code seca.workspace/v1}
 * @param plural the path segment, e.g. {@code block-storages}
 * @param workspaceScoped true for resources under {@code /tenants/{t}/workspaces/{w}/}
 * @param network for network-scoped resources (subnets, route tables) bound to one network: that network's
 *                name; null for every other type
 */
public record ResourceType(String provider, String plural, String kind, boolean workspaceScoped, String network) {
    public ResourceType(String provider, String plural, String kind, boolean workspaceScoped) {
        this(provider, plural, kind, workspaceScoped, null);
    }

    public static final ResourceType WORKSPACE = new ResourceType("seca.workspace/v1", "workspaces", "workspace", false);
    public static final ResourceType BLOCK_STORAGE = new ResourceType("seca.storage/v1", "block-storages", "block-storage", true);
    /** Tenant-level (no workspace) but regional: metadata has {@code region}. */
    public static final ResourceType IMAGE = new ResourceType("seca.storage/v1", "images", "image", false);
    /** Global and tenant-level: metadata has no {@code region} (GlobalTenantResourceMetadata). */
    public static final ResourceType ROLE = new ResourceType("seca.authorization/v1", "roles", "role", false);
    /** Global and tenant-level: metadata has no {@code region} (GlobalTenantResourceMetadata). */
    public static final ResourceType ROLE_ASSIGNMENT =
            new ResourceType("seca.authorization/v1", "role-assignments", "role-assignment", false);

    /** The resource path without provider: {@code tenants/t/workspaces/w/block-storages/name}. */
    public String path(String tenant, String workspace, String name) {
        return collection(tenant, workspace) + "/" + name;
    }

    public String collection(String tenant, String workspace) {
        if (network != null) {
            // Stored under ".../network/{net}/<plural>" (singular segment), so that the children of a network never
            // fall under the key prefix ".../networks/" that lists the networks themselves. The SECA path is secaPath().
            return "tenants/" + tenant + "/workspaces/" + workspace + "/network/" + network + "/" + plural;
        }
        return workspaceScoped ? "tenants/" + tenant + "/workspaces/" + workspace + "/" + plural : "tenants/" + tenant + "/" + plural;
    }

    /** This type bound to one network: {@code tenants/{t}/workspaces/{w}/networks/{network}/<plural>}. */
    public ResourceType inNetwork(String networkName) {
        return new ResourceType(provider, plural, kind, true, networkName);
    }

    /** SECA {@code metadata.resource} of one item: {@code <plural>/<name>}, or {@code networks/{net}/<plural>/<name>}. */
    public String resource(String name) {
        return listResource() + "/" + name;
    }

    /** SECA {@code metadata.resource} of a list: {@code <plural>}, or {@code networks/{net}/<plural>}. */
    public String listResource() {
        return network == null ? plural : "networks/" + network + "/" + plural;
    }

    /** The SECA path without provider (the URN tail of {@code metadata.ref}); equals path() except for network-scoped types. */
    public String secaPath(String tenant, String workspace, String name) {
        return network == null ? path(tenant, workspace, name)
                : "tenants/" + tenant + "/workspaces/" + workspace + "/networks/" + network + "/" + plural + "/" + name;
    }
}
