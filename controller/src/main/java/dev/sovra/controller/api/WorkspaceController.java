package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.controller.resource.ListQuery;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import dev.sovra.controller.network.NetworkResources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** seca.workspace/v1: workspaces, the containers of every regional workspace resource. */
@Controller("/providers/seca.workspace/v1/tenants/{tenant}/workspaces")
public final class WorkspaceController {
    private static final ResourceType TYPE = ResourceType.WORKSPACE;
    /** The workspace-level resources counted in status.resourceCount (subnets and route tables belong to networks). */
    private static final List<ResourceType> COUNTED = List.of(ResourceType.BLOCK_STORAGE, NetworkResources.NETWORK,
            NetworkResources.INTERNET_GATEWAY, NetworkResources.PUBLIC_IP, NetworkResources.NIC, NetworkResources.SECURITY_GROUP,
            NetworkResources.SECURITY_GROUP_RULE);

    private final ResourceService resources;
    private final InstanceService instances;
    private final ComputeCatalog catalog;
    private final ResourceService.Rules rules;

    public WorkspaceController(ResourceService resources, InstanceService instances, ComputeCatalog catalog) {
        this.resources = resources;
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

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String name,
                                                 @Nullable @Body ResourceBody body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        ResourceRequest request = body == null ? new ResourceRequest(null, null, null, null, Map.of()) : body.toRequest(false);
        ResourceService.PutResult result = resources.put(TYPE, tenant, null, name, request, ifUnmodifiedSince, rules);
        return HttpResponse.<Map<String, Object>>status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(render(result.resource(), "PUT"));
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String name) {
        return render(resources.require(TYPE, tenant, null, name), "GET");
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @Nullable @QueryValue String labels,
                                    @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        ResourceService.Page page = resources.list(TYPE, tenant, null, ListQuery.parse(labels, limit, skipToken));
        return SecaJson.page(TYPE.provider(), TYPE.plural(), page.items().stream().map(r -> render(r, "GET")).toList(),
                page.skipToken());
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String name,
                                     @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        resources.delete(TYPE, tenant, null, name, ifUnmodifiedSince, rules);
        return HttpResponse.accepted();
    }

    private Map<String, Object> render(Resource workspace, String verb) {
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
