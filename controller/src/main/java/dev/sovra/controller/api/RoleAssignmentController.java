package dev.sovra.controller.api;

import dev.sovra.controller.authorization.AuthorizationService;
import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ListQuery;
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
import java.util.Map;

/**
 * seca.authorization/v1 role assignments (global, tenant-level; metadata without region). Stored and
 * validated only: requests are not yet checked against assignments (RBAC enforcement comes later).
 */
@Controller("/providers/seca.authorization/v1/tenants/{tenant}/role-assignments")
public final class RoleAssignmentController {
    private static final ResourceType TYPE = ResourceType.ROLE_ASSIGNMENT;

    private final ResourceService resources;
    private final AuthorizationService authorization;

    public RoleAssignmentController(ResourceService resources, AuthorizationService authorization) {
        this.resources = resources;
        this.authorization = authorization;
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String name,
                                                 @Nullable @Body ResourceBody body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        if (body == null) {
            throw ApiProblem.unprocessable("a role assignment needs a body with spec");
        }
        ResourceService.PutResult result = authorization.putAssignment(tenant, name, body.toRequest(true), ifUnmodifiedSince);
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
        authorization.deleteAssignment(tenant, name, ifUnmodifiedSince);
        return HttpResponse.accepted();
    }

    private static Map<String, Object> render(Resource assignment, String verb) {
        return SecaJson.globalResource(TYPE, assignment, verb);
    }
}
