package dev.sovra.controller.resource;

/**
 * One kind of SECA resource the controller stores: its provider, URL plural and metadata kind.
 *
 * @param provider provider and version as SECA writes them, e.g. {@code seca.workspace/v1}
 * @param plural the path segment, e.g. {@code block-storages}
 * @param workspaceScoped true for resources under {@code /tenants/{t}/workspaces/{w}/}
 */
public record ResourceType(String provider, String plural, String kind, boolean workspaceScoped) {
    public static final ResourceType WORKSPACE = new ResourceType("seca.workspace/v1", "workspaces", "workspace", false);
    public static final ResourceType BLOCK_STORAGE = new ResourceType("seca.storage/v1", "block-storages", "block-storage", true);

    /** The resource path without provider: {@code tenants/t/workspaces/w/block-storages/name}. */
    public String path(String tenant, String workspace, String name) {
        return collection(tenant, workspace) + "/" + name;
    }

    public String collection(String tenant, String workspace) {
        return workspaceScoped ? "tenants/" + tenant + "/workspaces/" + workspace + "/" + plural : "tenants/" + tenant + "/" + plural;
    }
}
