package dev.sovra.controller.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.sovra.controller.testing.MovableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** The verification rules on their own: signature, algorithm, exp with skew, nbf, iss, sub, tenant. */
class TokenVerifierTest {
    private static final String ISSUER = "https://sovra.local/auth";
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final JwtKeys keys = JwtKeys.ephemeral();
    private final TokenVerifier verifier = new TokenVerifier(keys, ISSUER, Duration.ofSeconds(60), CLOCK);

    private String issuedAt(Instant when, Duration ttl) {
        return new TokenIssuer(keys, ISSUER, Duration.ofHours(12), Clock.fixed(when, ZoneOffset.UTC)).issue("alice", null, ttl).token();
    }

    private String signed(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keys.keyId()).build(), claims);
        jwt.sign(new ECDSASigner(keys.signingKey()));
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").expirationTime(Date.from(NOW.plusSeconds(600)));
    }

    private void assertRefused(String token, String reason) {
        TokenVerifier.InvalidTokenException error = assertThrows(TokenVerifier.InvalidTokenException.class, () -> verifier.verify(token));
        assertEquals(reason, error.getMessage());
    }

    @Test
    void aMintedTokenCarriesSubjectTenantAndExpiry() throws Exception {
        String token = new TokenIssuer(keys, ISSUER, Duration.ofHours(12), CLOCK).issue("alice", "acme", null).token();
        TokenVerifier.Subject subject = verifier.verify(token);
        assertEquals("alice", subject.subject());
        assertEquals("acme", subject.tenant());
        assertEquals(NOW.plus(Duration.ofHours(12)), subject.expiresAt(), "default lifetime 12 h");
        assertNull(verifier.verify(issuedAt(NOW, null)).tenant());
    }

    @Test
    void expiryAllowsSixtySecondsOfClockSkewAndNoMore() throws Exception {
        assertEquals("alice", verifier.verify(issuedAt(NOW.minusSeconds(100), Duration.ofSeconds(50))).subject()); // 50 s ago
        assertRefused(issuedAt(NOW.minusSeconds(200), Duration.ofSeconds(100)), "token has expired"); // 100 s ago
        assertRefused(signed(claims().notBeforeTime(Date.from(NOW.plusSeconds(120))).build()), "token is not valid yet");
        assertEquals("alice", verifier.verify(signed(claims().notBeforeTime(Date.from(NOW.plusSeconds(30))).build())).subject());
    }

    @Test
    void requiredClaimsAreEnforced() throws Exception {
        assertRefused(signed(claims().expirationTime(null).build()), "token has no expiry (exp)");
        assertRefused(signed(claims().subject(null).build()), "token has no subject (sub)");
        assertRefused(signed(claims().subject(" ").build()), "token has no subject (sub)");
        assertRefused(signed(claims().issuer("https://elsewhere/auth").build()), "token was not issued by this appliance");
        assertRefused(signed(claims().issuer(null).build()), "token was not issued by this appliance");
        assertRefused(signed(claims().claim("tenant", 7).build()), "token tenant claim must be a string");
    }

    @Test
    void onlyEs256ByTheApplianceKeyIsAccepted() throws Exception {
        String foreign = new TokenIssuer(JwtKeys.ephemeral(), ISSUER, Duration.ofHours(1), CLOCK).issue("alice", null, null).token();
        assertRefused(foreign, "token signature does not verify");

        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
        hmac.sign(new MACSigner(new byte[32]));
        assertRefused(hmac.serialize(), "token must be signed with ES256");

        assertRefused(new PlainJWT(claims().build()).serialize(), "token is not a well-formed signed JWT");

        String valid = issuedAt(NOW, null);
        String[] parts = valid.split("\\.");
        String otherClaims = signed(claims().subject("mallory").build()).split("\\.")[1];
        assertRefused(parts[0] + "." + otherClaims + "." + parts[2], "token signature does not verify");
    }

    @Test
    void aRememberedTokenIsStillCheckedForExpiryAndARefusedOneIsNotRemembered() throws Exception {
        MovableClock movable = new MovableClock(NOW);
        TokenVerifier timed = new TokenVerifier(keys, ISSUER, Duration.ofSeconds(60), movable);
        String token = issuedAt(NOW, Duration.ofMinutes(10));
        assertEquals("alice", timed.verify(token).subject());
        assertEquals("alice", timed.verify(token).subject()); // the second time from memory
        movable.set(NOW.plus(Duration.ofMinutes(11)).plusSeconds(1)); // past exp and the minute of skew
        TokenVerifier.InvalidTokenException expired = assertThrows(TokenVerifier.InvalidTokenException.class,
                () -> timed.verify(token));
        assertEquals("token has expired", expired.getMessage());

        String early = signed(claims().expirationTime(Date.from(NOW.plusSeconds(3600)))
                .notBeforeTime(Date.from(NOW.plusSeconds(1200))).build());
        TokenVerifier.InvalidTokenException notYet = assertThrows(TokenVerifier.InvalidTokenException.class,
                () -> timed.verify(early));
        assertEquals("token is not valid yet", notYet.getMessage());
        movable.set(NOW.plusSeconds(1200));
        assertEquals("alice", timed.verify(early).subject(), "valid once its nbf is reached");
    }

    @Test
    void garbageIsRefusedWithoutQuotingIt() {
        assertRefused("not-a-token", "token is not a well-formed signed JWT");
        assertRefused("a.b.c", "token is not a well-formed signed JWT");
        assertRefused("", "token is empty or too long");
        assertRefused("x".repeat(TokenVerifier.MAX_TOKEN_LENGTH + 1), "token is empty or too long");
    }

    @Test
    void issuerRefusesBadInput() {
        TokenIssuer issuer = new TokenIssuer(keys, ISSUER, Duration.ofHours(12), CLOCK);
        assertThrows(IllegalArgumentException.class, () -> issuer.issue(" ", null, null));
        assertThrows(IllegalArgumentException.class, () -> issuer.issue("alice", "", null));
        assertThrows(IllegalArgumentException.class, () -> issuer.issue("al\nice", null, null));
        assertThrows(IllegalArgumentException.class, () -> issuer.issue("alice", null, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> issuer.issue("alice", null, TokenIssuer.MAX_TTL.plusSeconds(1)));
    }
}
