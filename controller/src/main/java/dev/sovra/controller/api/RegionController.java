package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * seca.region/v1 (global) and the discovery document. This appliance is one region; its providers
 * are served here under {@code /providers/seca.<name>}.
 */
@Controller
public final class RegionController {
    static final String PROVIDER = "seca.region/v1";
    private static final List<String> REGIONAL_PROVIDERS = List.of("seca.workspace", "seca.compute", "seca.storage", "seca.network");

    private final ComputeCatalog catalog;
    private final String publicUrl;
    private final Instant since = Instant.now();

    public RegionController(ComputeCatalog catalog, @Value("${sovra.public-url:`http://127.0.0.1:8080`}") String publicUrl) {
        this.catalog = catalog;
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    @Get("/.wellknown/secapi")
    public Map<String, Object> wellKnown() {
        return Map.of("version", "v1",
                "endpoints", List.of(Map.of("provider", PROVIDER, "url", publicUrl + "/providers/seca.region")));
    }

    @Get("/providers/seca.region/v1/regions")
    public Map<String, Object> list() {
        return SecaJson.page(PROVIDER, "regions", List.of(region("GET")), null);
    }

    @Get("/providers/seca.region/v1/regions/{name}")
    public Map<String, Object> get(@PathVariable String name) {
        if (!catalog.region().equals(name)) {
            throw ApiProblem.notFound("no region named " + name + " (this is " + catalog.region() + ")");
        }
        return region("GET");
    }

    private Map<String, Object> region(String verb) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", catalog.region());
        metadata.put("provider", PROVIDER);
        metadata.put("resource", "regions/" + catalog.region());
        metadata.put("verb", verb);
        metadata.put("createdAt", since.toString());
        metadata.put("lastModifiedAt", since.toString());
        metadata.put("resourceVersion", 1);
        metadata.put("apiVersion", "v1");
        metadata.put("kind", "region");
        metadata.put("ref", PROVIDER + "/regions/" + catalog.region());
        List<Map<String, Object>> providers = REGIONAL_PROVIDERS.stream()
                .map(p -> Map.<String, Object>of("name", p, "version", "v1", "url", publicUrl + "/providers/" + p)).toList();
        Map<String, Object> region = new LinkedHashMap<>();
        region.put("metadata", metadata);
        region.put("spec", Map.of("availableZones", catalog.zones(), "providers", providers));
        return region;
    }
}
