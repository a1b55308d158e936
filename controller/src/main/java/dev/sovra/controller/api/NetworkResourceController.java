package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.resource.ListQuery;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The shared HTTP shape of the seca.network/v1 collections (list, get, put, delete), realised by the controller
 * as records: kind-specific validation, delete protection and status fields come from the kind's rules.
 */
abstract class NetworkResourceController {
    protected final ResourceService resources;
    protected final ComputeCatalog catalog;

    protected NetworkResourceController(ResourceService resources, ComputeCatalog catalog) {
        this.resources = resources;
        this.catalog = catalog;
    }

    protected HttpResponse<Map<String, Object>> put(ResourceType type, String tenant, String workspace, String name, Map<String, Object> raw,
                                                    Long ifUnmodifiedSince, KindRules rules,
                                                    Function<Resource, Map<String, Object>> status) {
        ResourceBody body = ResourceBody.of(raw);
        if (body == null) {
            throw ApiProblem.unprocessable("a " + type.kind() + " needs a body with spec");
        }
        ResourceRequest request = body.toRequest(true);
        ResourceService.PutResult result = resources.put(type, tenant, workspace, name, request, ifUnmodifiedSince, rules);
        rules.written(result.resource());
        return HttpResponse.<Map<String, Object>>status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(render(type, result.resource(), "PUT", status));
    }

    protected Map<String, Object> get(ResourceType type, String tenant, String workspace, String name,
                                      Function<Resource, Map<String, Object>> status) {
        return render(type, resources.require(type, tenant, workspace, name), "GET", status);
    }

    protected Map<String, Object> list(ResourceType type, String tenant, String workspace, String labels, Integer limit,
                                       String skipToken, Function<Resource, Map<String, Object>> status) {
        ResourceService.Page page = resources.list(type, tenant, workspace, ListQuery.parse(labels, limit, skipToken));
        return SecaJson.page(type.provider(), type.listResource(),
                page.items().stream().map(r -> render(type, r, "GET", status)).toList(), page.skipToken());
    }

    protected HttpResponse<Void> delete(ResourceType type, String tenant, String workspace, String name, Long ifUnmodifiedSince,
                                        KindRules rules) {
        AtomicReference<Resource> deleted = new AtomicReference<>();
        resources.delete(type, tenant, workspace, name, ifUnmodifiedSince, new ResourceService.Rules() {
            @Override
            public void validate(String t, String w, ResourceRequest request, Resource existing) {}

            @Override
            public void checkDelete(Resource resource) {
                rules.checkDelete(resource);
                deleted.set(resource);
            }
        });
        rules.deleted(deleted.get());
        return HttpResponse.accepted();
    }

    /** 404 for anything under a network that does not exist (GET, list and DELETE; a PUT is refused by the rules). */
    protected void requireNetwork(String tenant, String workspace, String network) {
        resources.require(NetworkResources.NETWORK, tenant, workspace, network);
    }

    private Map<String, Object> render(ResourceType type, Resource resource, String verb, Function<Resource, Map<String, Object>> status) {
        Map<String, Object> body = SecaJson.resource(type, resource, verb, catalog.region());
        if (status != null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> merged = new java.util.LinkedHashMap<>((Map<String, Object>) body.get("status"));
            merged.putAll(status.apply(resource));
            body.put("status", merged);
        }
        return body;
    }
}
