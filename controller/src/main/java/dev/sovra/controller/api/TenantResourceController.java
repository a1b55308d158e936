package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ListQuery;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.util.Map;

/**
 * The four SECA operations of a tenant-scoped resource kept by {@link ResourceService} (workspaces,
 * images, roles, role assignments); a subclass names the collection (its {@code @Controller} path) and
 * says how its kind is written, removed and rendered.
 */
abstract class TenantResourceController {
    protected final ResourceService resources;

    protected TenantResourceController(ResourceService resources) {
        this.resources = resources;
    }

    protected abstract ResourceType type();

    /** Creates or replaces the resource, applying the kind's rules. */
    protected abstract ResourceService.PutResult write(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince);

    /** Deletes the resource, applying the kind's delete rules. */
    protected abstract void remove(String tenant, String name, Long ifUnmodifiedSince);

    protected abstract Map<String, Object> render(Resource resource, String verb);

    /** Whether a PUT must carry a spec; a workspace's is free-form and may be left out. */
    protected boolean specRequired() {
        return true;
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String name,
                                                 @Nullable @Body Map<String, Object> body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        ResourceRequest request;
        ResourceBody resource = ResourceBody.of(body);
        if (resource != null) {
            request = resource.toRequest(specRequired());
        } else if (specRequired()) {
            throw ApiProblem.unprocessable("a " + type().kind() + " needs a body with spec");
        } else {
            request = new ResourceRequest(null, null, null, null, Map.of());
        }
        ResourceService.PutResult result = write(tenant, name, request, ifUnmodifiedSince);
        return HttpResponse.<Map<String, Object>>status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(render(result.resource(), "PUT"));
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String name) {
        return render(resources.require(type(), tenant, null, name), "GET");
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @Nullable @QueryValue String labels,
                                    @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        ResourceService.Page page = resources.list(type(), tenant, null, ListQuery.parse(labels, limit, skipToken));
        return SecaJson.page(type().provider(), type().plural(), page.items().stream().map(r -> render(r, "GET")).toList(),
                page.skipToken());
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String name,
                                     @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        remove(tenant, name, ifUnmodifiedSince);
        return HttpResponse.accepted();
    }
}
