package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.util.Map;
import java.util.function.Function;

/**
 * The four SECA operations of a workspace-scoped seca.network resource; a subclass names the
 * collection (its {@code @Controller} path), the resource type, the kind's rules and status fields.
 */
abstract class WorkspaceNetworkResourceController extends NetworkResourceController {

    protected WorkspaceNetworkResourceController(ResourceService resources, ComputeCatalog catalog) {
        super(resources, catalog);
    }

    protected abstract ResourceType type();

    protected abstract KindRules rules(String tenant, String workspace, String name);

    /** Status fields the kind adds to the common ones, or null when it adds none. */
    protected Function<Resource, Map<String, Object>> status() {
        return null;
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                                 @Nullable @Body Map<String, Object> body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        return put(type(), tenant, workspace, name, body, ifUnmodifiedSince, rules(tenant, workspace, name), status());
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name) {
        return get(type(), tenant, workspace, name, status());
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @PathVariable String workspace, @Nullable @QueryValue String labels,
                                    @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        return list(type(), tenant, workspace, labels, limit, skipToken, status());
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                     @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        return delete(type(), tenant, workspace, name, ifUnmodifiedSince, rules(tenant, workspace, name));
    }
}
