package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * seca.region/v1 (global) and the discovery document, which lists the global providers (region and
 * authorization). This appliance is one region; its providers are served here under
 * {@code /providers/seca.<name>}.
 */
@Controller
public final class RegionController {
    static final String PROVIDER = "seca.region/v1";
    private static final List<String> REGIONAL_PROVIDERS = List.of("seca.workspace", "seca.compute", "seca.storage", "seca.network");

    private final ComputeCatalog catalog;
    private final String publicUrl;
    private final Instant since = Instant.now();

    /**
     * @param publicUrl the base URL clients reach the appliance at; when unset, the scheme and Host of
     *     each request, so discovery always points back where the client came from
     */
    public RegionController(ComputeCatalog catalog, @Value("${sovra.public-url:}") String publicUrl) {
        this.catalog = catalog;
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    private String base(HttpRequest<?> request) {
        if (!publicUrl.isEmpty()) {
            return publicUrl;
        }
        String host = request.getHeaders().get("Host");
        if (host == null || host.isBlank()) {
            host = request.getServerAddress().getHostString() + ":" + request.getServerAddress().getPort();
        }
        return (request.isSecure() ? "https://" : "http://") + host;
    }

    @Get("/.wellknown/secapi")
    public Map<String, Object> wellKnown(HttpRequest<?> request) {
        String base = base(request);
        return Map.of("version", "v1",
                "endpoints", List.of(Map.of("provider", PROVIDER, "url", base + "/providers/seca.region"),
                        Map.of("provider", "seca.authorization/v1", "url", base + "/providers/seca.authorization")));
    }

    @Get("/providers/seca.region/v1/regions")
    public Map<String, Object> list(HttpRequest<?> request) {
        return SecaJson.page(PROVIDER, "regions", List.of(region(base(request), "GET")), null);
    }

    @Get("/providers/seca.region/v1/regions/{name}")
    public Map<String, Object> get(HttpRequest<?> request, @PathVariable String name) {
        if (!catalog.region().equals(name)) {
            throw ApiProblem.notFound("no region named " + name + " (this is " + catalog.region() + ")");
        }
        return region(base(request), "GET");
    }

    private Map<String, Object> region(String baseUrl, String verb) {
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
                .map(p -> Map.<String, Object>of("name", p, "version", "v1", "url", baseUrl + "/providers/" + p)).toList();
        Map<String, Object> region = new LinkedHashMap<>();
        region.put("metadata", metadata);
        region.put("spec", Map.of("availableZones", catalog.zones(), "providers", providers));
        return region;
    }
}
