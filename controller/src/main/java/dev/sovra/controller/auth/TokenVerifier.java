package dev.sovra.controller.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks the appliance's bearer tokens: an ES256 signature by the appliance key, {@code exp}
 * present and not passed, {@code nbf} (if present) reached, {@code iss} equal to the configured
 * issuer and a non-empty {@code sub}; both time checks allow the configured clock skew. Failures
 * carry a short reason that is safe to show to the client: it never quotes the token.
 *
 * <p>A token that passed every check is remembered (the exact token string, up to {@value #MAX_REMEMBERED} of them):
 * checking its ES256 signature again was most of the controller's CPU under a burst of API requests, and a token's
 * signature and claims cannot change. A remembered token still has its {@code exp} and {@code nbf} checked on every use.
 */
public final class TokenVerifier {
    static final String TENANT_CLAIM = "tenant";
    /** Tokens longer than this are refused before parsing. */
    static final int MAX_TOKEN_LENGTH = 8192;
    /** Bounds the memory of remembered tokens (a few hundred bytes each); when full, it starts over. */
    static final int MAX_REMEMBERED = 1024;

    private final String issuer;
    private final Clock clock;
    private final Duration clockSkew;
    private final ECDSAVerifier verifier;
    private final Map<String, Verified> remembered = new ConcurrentHashMap<>();

    /** What a token that passed every check says, and from when it is valid (null: no nbf). */
    private record Verified(Subject subject, Instant notBefore) {}

    public TokenVerifier(JwtKeys keys, String issuer, Duration clockSkew, Clock clock) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            this.verifier = new ECDSAVerifier(keys.verificationKey());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable verification key kid=" + keys.keyId(), e);
        }
    }

    /** Who a valid token speaks for; tenant is null when the token has no tenant claim. */
    public record Subject(String subject, String tenant, Instant expiresAt) {}

    /** A token that must not be accepted; the message is safe to return to the client. */
    public static final class InvalidTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTokenException(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Verifies a compact JWS token.
     *
     * @throws InvalidTokenException if the token is malformed, not signed with ES256 by the
     *     appliance key, expired, not yet valid, from another issuer or without subject
     */
    public Subject verify(String token) throws InvalidTokenException {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidTokenException("token is empty or too long");
        }
        Verified known = remembered.get(token);
        if (known == null) {
            known = verifyFully(token);
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear();
            }
            remembered.put(token, known);
        } else {
            checkTimes(known.subject().expiresAt(), known.notBefore());
        }
        return known.subject();
    }

    private Verified verifyFully(String token) throws InvalidTokenException {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw new InvalidTokenException("token is not a well-formed signed JWT");
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            throw new InvalidTokenException("token must be signed with ES256");
        }
        boolean valid;
        try {
            valid = jwt.verify(verifier);
        } catch (JOSEException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new InvalidTokenException("token signature does not verify");
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new InvalidTokenException("token has no expiry (exp)");
        }
        Date nbf = claims.getNotBeforeTime();
        Instant notBefore = nbf == null ? null : nbf.toInstant();
        checkTimes(exp.toInstant(), notBefore);
        if (!issuer.equals(claims.getIssuer())) {
            throw new InvalidTokenException("token was not issued by this appliance");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new InvalidTokenException("token has no subject (sub)");
        }
        Object tenant = claims.getClaim(TENANT_CLAIM);
        if (tenant != null && !(tenant instanceof String)) {
            throw new InvalidTokenException("token tenant claim must be a string");
        }
        return new Verified(new Subject(subject, (String) tenant, exp.toInstant()), notBefore);
    }

    /** {@code exp} passed or {@code nbf} not reached yet, each with the configured clock skew. */
    private void checkTimes(Instant expiresAt, Instant notBefore) throws InvalidTokenException {
        Instant now = clock.instant();
        if (now.isAfter(expiresAt.plus(clockSkew))) {
            throw new InvalidTokenException("token has expired");
        }
        if (notBefore != null && now.plus(clockSkew).isBefore(notBefore)) {
            throw new InvalidTokenException("token is not valid yet");
        }
    }
}
