package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import dev.sovra.controller.network.NetworkResources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** seca.workspace/v1: workspaces, the containers of every regional workspace resource. */
@Controller("/providers/seca.workspace/v1/tenants/{tenant}/workspaces")
public final class WorkspaceController extends TenantResourceController {
    private static final ResourceType TYPE = ResourceType.WORKSPACE;
    /** The workspace-level resources counted in status.resourceCount (subnets and route tables belong to networks). */
    private static final List<ResourceType> COUNTED = List.of(ResourceType.BLOCK_STORAGE, NetworkResources.NETWORK,
            NetworkResources.INTERNET_GATEWAY, NetworkResources.PUBLIC_IP, NetworkResources.NIC, NetworkResources.SECURITY_GROUP,
            NetworkResources.SECURITY_GROUP_RULE);

    private final InstanceService instances;
    private final ComputeCatalog catalog;
    private final ResourceService.Rules rules;

    public WorkspaceController(ResourceService resources, InstanceService instances, ComputeCatalog catalog) {
        super(resources);
        this.instances = instances;
        this.catalog = catalog;
        this.rules = new ResourceService.Rules() {
            @Override
            public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
                // The workspace spec is free-form.
            }

            /**
             * Instances run on nodes, so a workspace holding one is not deleted (SECA deletion protection).
             * Everything else in it exists only as controller records and goes with the workspace.
             */
            @Override
            public void checkDelete(Resource workspace) {
                long running = instances.list(workspace.tenant(), workspace.name()).stream()
                        .filter(i -> !i.metadata().deleting()).count();
                if (running > 0) {
                    throw ApiProblem.conflict("workspace " + workspace.name() + " still holds " + running
                            + " instance(s); delete them first");
                }
                resources.deleteWorkspaceContents(workspace.tenant(), workspace.name());
            }
        };
    }

    @Override
    protected ResourceType type() {
        return TYPE;
    }

    @Override
    protected boolean specRequired() {
        return false;
    }

    @Override
    protected ResourceService.PutResult write(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince) {
        return resources.put(TYPE, tenant, null, name, request, ifUnmodifiedSince, rules);
    }

    @Override
    protected void remove(String tenant, String name, Long ifUnmodifiedSince) {
        resources.delete(TYPE, tenant, null, name, ifUnmodifiedSince, rules);
    }

    @Override
    protected Map<String, Object> render(Resource workspace, String verb) {
        Map<String, Object> body = SecaJson.resource(TYPE, workspace, verb, catalog.region());
        @SuppressWarnings("unchecked")
        Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) body.get("status"));
        int count = instances.list(workspace.tenant(), workspace.name()).size();
        for (ResourceType type : COUNTED) {
            count += resources.all(type, workspace.tenant(), workspace.name()).size();
        }
        status.put("resourceCount", count);
        body.put("status", status);
        return body;
    }
}
