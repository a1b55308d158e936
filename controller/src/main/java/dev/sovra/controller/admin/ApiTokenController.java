package dev.sovra.controller.admin;

import dev.sovra.controller.auth.TokenIssuer;
import dev.sovra.controller.compute.ApiProblem;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Duration;

/**
 * Operator endpoint that mints bearer tokens for the SECA API ({@code ./sovra token}). Like the
 * other operator endpoints it answers only to clients on this host.
 */
@Controller("/internal/v1/tokens")
public final class ApiTokenController {
    private final TokenIssuer issuer;

    public ApiTokenController(TokenIssuer issuer) {
        this.issuer = issuer;
    }

    @Serdeable
    public record ApiTokenRequest(@Nullable String subject, @Nullable String tenant, @Nullable Long ttlSeconds) {}

    @Serdeable
    public record ApiTokenView(String token, String subject, @Nullable String tenant, String expiresAt) {}

    @Post
    public ApiTokenView mint(HttpRequest<?> request, @Nullable @Body ApiTokenRequest body) {
        AdminController.requireLocal(request);
        if (body == null || body.subject() == null) {
            throw ApiProblem.badRequest("subject is required");
        }
        Duration ttl = body.ttlSeconds() == null ? null : Duration.ofSeconds(body.ttlSeconds());
        try {
            TokenIssuer.Token token = issuer.issue(body.subject(), body.tenant(), ttl);
            return new ApiTokenView(token.token(), token.subject(), token.tenant(), token.expiresAt().toString());
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest(e.getMessage());
        }
    }
}
