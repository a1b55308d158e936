package dev.sovra.controller.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints the appliance's bearer tokens: compact ES256 JWTs with {@code iss}, {@code sub},
 * {@code iat}, {@code exp}, a random {@code jti} and, if given, a {@code tenant} claim.
 */
public final class TokenIssuer {
    private static final Logger log = LoggerFactory.getLogger(TokenIssuer.class);
    /** Longest lifetime a caller may ask for. */
    public static final Duration MAX_TTL = Duration.ofDays(30);
    static final int MAX_CLAIM_LENGTH = 256;

    private final JwtKeys keys;
    private final String issuer;
    private final Duration defaultTtl;
    private final Clock clock;
    private final ECDSASigner signer;

    public TokenIssuer(JwtKeys keys, String issuer, Duration defaultTtl, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.issuer = requireText("issuer", issuer);
        this.defaultTtl = checkTtl(Objects.requireNonNull(defaultTtl, "defaultTtl"));
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            this.signer = new ECDSASigner(keys.signingKey());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable signing key kid=" + keys.keyId(), e);
        }
    }

    /** A minted token and what it says, for the caller's answer. */
    public record Token(String token, String subject, String tenant, Instant expiresAt) {}

    /**
     * Signs a token for {@code subject}.
     *
     * @param tenant the tenant claim, or null for none
     * @param ttl the lifetime, or null for the default
     * @throws IllegalArgumentException if subject or tenant is empty, too long or holds control
     *     characters, or ttl is not between 1 s and {@link #MAX_TTL}
     */
    public Token issue(String subject, String tenant, Duration ttl) {
        requireText("subject", subject);
        if (tenant != null) {
            requireText("tenant", tenant);
        }
        Duration lifetime = ttl == null ? defaultTtl : checkTtl(ttl);
        Instant now = clock.instant();
        Instant expires = now.plus(lifetime);
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString());
        if (tenant != null) {
            claims.claim(TokenVerifier.TENANT_CLAIM, tenant);
        }
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(keys.keyId()).build();
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign token kid=" + keys.keyId(), e);
        }
        log.info("token issued sub={} tenant={} exp={} kid={}", subject, tenant == null ? "-" : tenant, expires, keys.keyId());
        return new Token(jwt.serialize(), subject, tenant, expires);
    }

    public Duration defaultTtl() {
        return defaultTtl;
    }

    private static Duration checkTtl(Duration ttl) {
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("token lifetime must be between 1 and " + MAX_TTL.toSeconds() + " seconds");
        }
        return ttl;
    }

    private static String requireText(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (value.length() > MAX_CLAIM_LENGTH) {
            throw new IllegalArgumentException(what + " must be at most " + MAX_CLAIM_LENGTH + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(what + " must not contain control characters");
        }
        return value;
    }
}
