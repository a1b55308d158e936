package dev.sovra.controller.auth;

import dev.sovra.controller.api.Problem;
import dev.sovra.controller.api.ProblemHandler;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.net.InetSocketAddress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code Authorization: Bearer <JWT>} on every request except the few open paths (see
 * {@link #isOpen}): the SECA API under {@code /providers/}, and anything added later, is closed by
 * default. A refused request gets 401 with a SECA problem body; an accepted one carries the token's
 * {@link TokenVerifier.Subject} in the request attribute {@value #SUBJECT_ATTRIBUTE} for RBAC.
 * The checks themselves live in {@link TokenVerifier}; this is only the HTTP adapter.
 */
@ServerFilter(Filter.MATCH_ALL_PATTERN)
public final class BearerAuthFilter implements Ordered {
    private static final Logger log = LoggerFactory.getLogger(BearerAuthFilter.class);
    /** Request attribute holding the verified {@link TokenVerifier.Subject}. */
    public static final String SUBJECT_ATTRIBUTE = "sovra.subject";
    static final String UNAUTHORIZED = "http://secapi.cloud/errors/unauthorized";
    private static final String BEARER = "bearer ";

    private final TokenVerifier verifier;

    public BearerAuthFilter(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String path = request.getPath();
        if (isOpen(path)) {
            return null;
        }
        String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (authorization == null) {
            return refuse(request, "missing", "send Authorization: Bearer <token> (mint one with ./sovra token)", false);
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return refuse(request, "not-bearer", "the Authorization header must use the Bearer scheme", true);
        }
        try {
            TokenVerifier.Subject subject = verifier.verify(authorization.substring(BEARER.length()).trim());
            request.setAttribute(SUBJECT_ATTRIBUTE, subject);
            return null;
        } catch (TokenVerifier.InvalidTokenException e) {
            return refuse(request, "invalid", e.getMessage(), true);
        }
    }

    /**
     * Paths answered without a token: liveness, SECA discovery (meant to be public) and the
     * operator endpoints, which answer only on loopback. Paths with dot segments are never open, so
     * {@code /internal/../providers/...} cannot slip past.
     */
    static boolean isOpen(String path) {
        if (path == null || (path.contains("/.") && !path.equals("/.wellknown/secapi")) || path.contains("%") || path.contains("\\")) {
            return false;
        }
        return path.equals("/health") || path.equals("/.wellknown/secapi") || path.startsWith("/internal/")
                || path.startsWith("/openapi/");
    }

    private static MutableHttpResponse<Problem> refuse(HttpRequest<?> request, String reason, String detail, boolean invalidToken) {
        InetSocketAddress remote = request.getRemoteAddress();
        log.info("request unauthenticated method={} path={} reason={} detail=\"{}\" remote={}", request.getMethodName(),
                request.getPath(), reason, detail, remote == null ? "-" : remote.getAddress() == null ? remote.getHostString()
                        : remote.getAddress().getHostAddress());
        MutableHttpResponse<Problem> response = ProblemHandler.respond(request, 401, UNAUTHORIZED, "Unauthorized", detail);
        return response.header(HttpHeaders.WWW_AUTHENTICATE,
                invalidToken ? "Bearer realm=\"sovra\", error=\"invalid_token\"" : "Bearer realm=\"sovra\"");
    }
}
