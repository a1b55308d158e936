package dev.sovra.controller.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bearer authentication of the SECA API through real HTTP on the real controller. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BearerAuthApiTest implements TestPropertyProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISSUER = "https://sovra.local/auth";
    private static final String MISSING = "/providers/seca.compute/v1/tenants/t1/workspaces/ws1/instances/vm-missing";

    @Inject
    EmbeddedServer server;

    @Inject
    JwtKeys keys;

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    public Map<String, String> getProperties() {
        try {
            return Map.of("sovra.data-dir", Files.createTempDirectory("sovra-auth-test").toString(),
                    "sovra.transport.port", "0", "sovra.transport.enrol-port", "0");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String token) throws Exception {
        return send("GET", MISSING, null, token == null ? null : "Bearer " + token);
    }

    private String minted(String body) throws Exception {
        HttpResponse<String> response = send("POST", "/internal/v1/tokens", body, null);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("token").asText();
    }

    private static void assertUnauthorized(HttpResponse<String> response) throws IOException {
        assertEquals(401, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        JsonNode problem = JSON.readTree(response.body());
        assertEquals("http://secapi.cloud/errors/unauthorized", problem.get("type").asText());
        assertTrue(problem.get("status").isNumber());
        assertEquals(401, problem.get("status").asInt());
        assertEquals("Unauthorized", problem.get("title").asText());
        assertFalse(problem.get("detail").asText().isBlank());
        assertEquals(MISSING, problem.get("instance").asText());
        assertTrue(problem.get("sources").isArray());
        assertEquals(0, problem.get("sources").size());
    }

    @Test
    void noTokenGets401Problem() throws Exception {
        assertUnauthorized(get(null));
        assertUnauthorized(send("PUT", MISSING, "{\"spec\":{}}", null));
    }

    @Test
    void garbageOrNonBearerCredentialsGet401() throws Exception {
        assertUnauthorized(get("garbage"));
        assertUnauthorized(get("a.b.c"));
        assertUnauthorized(send("GET", MISSING, null, "Bearer"));
        assertUnauthorized(send("GET", MISSING, null, "Basic YWxpY2U6c2VjcmV0"));
        assertUnauthorized(send("GET", MISSING, null, minted("{\"subject\":\"alice\"}"))); // token without scheme
    }

    @Test
    void tokenSignedByAnotherKeyGets401() throws Exception {
        String foreign = new TokenIssuer(JwtKeys.ephemeral(), ISSUER, Duration.ofHours(1), Clock.systemUTC())
                .issue("alice", null, null).token();
        assertUnauthorized(get(foreign));
    }

    @Test
    void expiredTokenGets401() throws Exception {
        Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
        String expired = new TokenIssuer(keys, ISSUER, Duration.ofHours(1), twoHoursAgo).issue("alice", null, null).token();
        assertUnauthorized(get(expired));
    }

    @Test
    void tokenFromAnotherIssuerGets401() throws Exception {
        String other = new TokenIssuer(keys, "https://elsewhere.example/auth", Duration.ofHours(1), Clock.systemUTC())
                .issue("alice", null, null).token();
        assertUnauthorized(get(other));
    }

    @Test
    void mintedTokenGoesThrough() throws Exception {
        String token = minted("{\"subject\":\"alice\",\"tenant\":\"t1\",\"ttlSeconds\":300}");
        HttpResponse<String> response = get(token);
        assertEquals(404, response.statusCode(), "authenticated, and the instance does not exist: " + response.body());
        assertEquals("http://secapi.cloud/errors/resource-not-found", JSON.readTree(response.body()).get("type").asText());
        assertEquals(404, send("GET", MISSING, null, "bearer " + token).statusCode(), "the scheme is case-insensitive");
        assertEquals(404, get(minted("{\"subject\":\"bob\"}")).statusCode(), "tenant and ttl are optional");
    }

    @Test
    void mintingNeedsASubjectAndASaneLifetime() throws Exception {
        assertEquals(400, send("POST", "/internal/v1/tokens", "{}", null).statusCode());
        assertEquals(400, send("POST", "/internal/v1/tokens", "{\"subject\":\"\"}", null).statusCode());
        assertEquals(400, send("POST", "/internal/v1/tokens", "{\"subject\":\"a\",\"ttlSeconds\":0}", null).statusCode());
        JsonNode answer = JSON.readTree(send("POST", "/internal/v1/tokens", "{\"subject\":\"a\",\"tenant\":\"t\"}", null).body());
        assertEquals("a", answer.get("subject").asText());
        assertEquals("t", answer.get("tenant").asText());
        Duration ttl = Duration.between(Instant.now(), Instant.parse(answer.get("expiresAt").asText()));
        assertTrue(ttl.compareTo(Duration.ofHours(11)) > 0 && ttl.compareTo(Duration.ofHours(12)) <= 0, "default 12 h: " + ttl);
    }

    @Test
    void healthOperatorEndpointsAndDiscoveryNeedNoToken() throws Exception {
        assertEquals(200, send("GET", "/health", null, null).statusCode());
        assertEquals(200, send("GET", "/internal/v1/nodes", null, null).statusCode());
        assertTrue(send("GET", "/.wellknown/secapi", null, null).statusCode() != 401);
    }

    @Test
    void onlyExactOpenPathsAreOpen() {
        assertTrue(BearerAuthFilter.isOpen("/health"));
        assertTrue(BearerAuthFilter.isOpen("/.wellknown/secapi"));
        assertTrue(BearerAuthFilter.isOpen("/internal/v1/nodes"));
        assertFalse(BearerAuthFilter.isOpen("/providers/seca.compute/v1/tenants/t/workspaces/w/instances"));
        assertFalse(BearerAuthFilter.isOpen("/internal/../providers/seca.compute/v1/tenants/t/workspaces/w/instances"));
        assertFalse(BearerAuthFilter.isOpen("/internal/%2e%2e/providers/seca.compute/v1/tenants/t/workspaces/w/instances"));
        assertFalse(BearerAuthFilter.isOpen("/health/../providers/x"));
        assertFalse(BearerAuthFilter.isOpen("/anything-new"));
    }
}
