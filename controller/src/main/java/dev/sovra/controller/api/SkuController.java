package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.resource.ListQuery;
import dev.sovra.controller.resource.Validation;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The SKU catalogues of seca.compute, seca.storage and seca.network (read-only, from configuration). */
@Controller("/providers")
public final class SkuController {
    private final ComputeCatalog catalog;

    public SkuController(ComputeCatalog catalog) {
        this.catalog = catalog;
    }

    @Get("/seca.compute/v1/tenants/{tenant}/skus")
    public Map<String, Object> computeSkus(@PathVariable String tenant, @Nullable @QueryValue String labels,
                                           @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        return page("seca.compute/v1", "instance-sku", tenant, catalog.computeSkus(), ListQuery.parse(labels, limit, skipToken));
    }

    @Get("/seca.compute/v1/tenants/{tenant}/skus/{name}")
    public Map<String, Object> computeSku(@PathVariable String tenant, @PathVariable String name) {
        return one("seca.compute/v1", "instance-sku", tenant, name, catalog.computeSkus());
    }

    @Get("/seca.storage/v1/tenants/{tenant}/skus")
    public Map<String, Object> storageSkus(@PathVariable String tenant, @Nullable @QueryValue String labels,
                                           @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        return page("seca.storage/v1", "storage-sku", tenant, catalog.storageSkus(), ListQuery.parse(labels, limit, skipToken));
    }

    @Get("/seca.storage/v1/tenants/{tenant}/skus/{name}")
    public Map<String, Object> storageSku(@PathVariable String tenant, @PathVariable String name) {
        return one("seca.storage/v1", "storage-sku", tenant, name, catalog.storageSkus());
    }

    @Get("/seca.network/v1/tenants/{tenant}/skus")
    public Map<String, Object> networkSkus(@PathVariable String tenant, @Nullable @QueryValue String labels,
                                           @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        return page("seca.network/v1", "network-sku", tenant, catalog.networkSkus(), ListQuery.parse(labels, limit, skipToken));
    }

    @Get("/seca.network/v1/tenants/{tenant}/skus/{name}")
    public Map<String, Object> networkSku(@PathVariable String tenant, @PathVariable String name) {
        return one("seca.network/v1", "network-sku", tenant, name, catalog.networkSkus());
    }

    private Map<String, Object> page(String provider, String kind, String tenant, List<ComputeCatalog.CatalogSku> skus,
                                     ListQuery query) {
        Validation.name("tenant", tenant);
        List<Map<String, Object>> items = new ArrayList<>();
        String last = null;
        String next = null;
        for (ComputeCatalog.CatalogSku sku : skus) {
            if ((query.after() != null && sku.name().compareTo(query.after()) <= 0) || !query.labels().matches(sku.labels())) {
                continue;
            }
            if (items.size() == query.limit()) {
                next = ListQuery.token(last);
                break;
            }
            items.add(render(provider, kind, tenant, sku));
            last = sku.name();
        }
        return SecaJson.page(provider, "skus", items, next);
    }

    private Map<String, Object> one(String provider, String kind, String tenant, String name, List<ComputeCatalog.CatalogSku> skus) {
        Validation.name("tenant", tenant);
        return skus.stream().filter(s -> s.name().equals(name)).findFirst().map(s -> render(provider, kind, tenant, s))
                .orElseThrow(() -> ApiProblem.notFound("no " + kind + " named " + name));
    }

    private Map<String, Object> render(String provider, String kind, String tenant, ComputeCatalog.CatalogSku sku) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", sku.name());
        metadata.put("provider", provider);
        metadata.put("resource", "skus/" + sku.name());
        metadata.put("verb", "GET");
        metadata.put("apiVersion", "v1");
        metadata.put("kind", kind);
        metadata.put("ref", provider + "/tenants/" + tenant + "/skus/" + sku.name());
        metadata.put("tenant", tenant);
        metadata.put("region", catalog.region());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("labels", sku.labels());
        body.put("annotations", Map.of());
        body.put("extensions", Map.of());
        body.put("metadata", metadata);
        body.put("spec", sku.spec());
        return body;
    }
}
