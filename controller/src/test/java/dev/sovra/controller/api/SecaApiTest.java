package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovra.controller.auth.TokenIssuer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every HTTP test of the SECA API shares: a real controller on a random port with its own data
 * directory (subclasses are {@code @MicronautTest}), a bearer token, and checks of SECA error bodies.
 */
abstract class SecaApiTest implements TestPropertyProvider {
    protected static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EmbeddedServer server;

    @Inject
    TokenIssuer tokens;

    protected final HttpClient http = HttpClient.newHttpClient();
    protected String token;

    @Override
    public final Map<String, String> getProperties() {
        Map<String, String> properties = new HashMap<>();
        try {
            properties.put("sovra.data-dir", Files.createTempDirectory("sovra-" + getClass().getSimpleName()).toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        properties.put("sovra.transport.port", "0");
        properties.put("sovra.transport.enrol-port", "0");
        properties.put("sovra.region", "region-1");
        properties.putAll(extraProperties());
        return properties;
    }

    /** Configuration a test class adds or overrides. */
    protected Map<String, String> extraProperties() {
        return Map.of();
    }

    /** A request with the test's bearer token; headers are name/value pairs. */
    protected HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        if (token == null) {
            token = tokens.issue("api-test", "t1", null).token();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The states of status.conditions, newest first. */
    protected static List<String> states(JsonNode resource) {
        List<String> states = new ArrayList<>();
        resource.get("status").get("conditions").forEach(c -> states.add(c.get("state").asText()));
        return states;
    }

    /** A SECA error body with every required field and the given status. */
    protected static void assertProblem(HttpResponse<String> response, int status) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode problem = json(response);
        assertEquals(status, problem.get("status").asInt());
        for (String field : new String[] {"type", "title", "detail", "instance"}) {
            assertTrue(problem.hasNonNull(field), "problem has " + field + ": " + response.body());
        }
        assertFalse(problem.get("detail").asText().isEmpty());
        assertTrue(problem.get("sources").isArray());
    }

    /** Refused as the conformance suite expects every refusal: 412 with a SECA error body. */
    protected static void assertRefused(HttpResponse<String> response) throws IOException {
        assertProblem(response, 412);
    }
}
