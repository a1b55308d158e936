package dev.sovra.controller.auth;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** Wires the token key, issuer and verifier from {@code sovra.data-dir} and {@code sovra.auth.*}. */
@Factory
final class AuthFactory {

    /** Eager: the key is created (or a broken key file reported) at startup, not on the first request. */
    @Context
    JwtKeys jwtKeys(@Value("${sovra.data-dir}") Path dataDir) {
        return JwtKeys.loadOrCreate(dataDir.resolve("auth"));
    }

    @Singleton
    TokenIssuer tokenIssuer(JwtKeys keys, Clock clock,
                            @Value("${sovra.auth.issuer:`https://sovra.local/auth`}") String issuer,
                            @Value("${sovra.auth.token-ttl:12h}") Duration ttl) {
        return new TokenIssuer(keys, issuer, ttl, clock);
    }

    @Singleton
    TokenVerifier tokenVerifier(JwtKeys keys, Clock clock,
                                @Value("${sovra.auth.issuer:`https://sovra.local/auth`}") String issuer,
                                @Value("${sovra.auth.clock-skew:60s}") Duration clockSkew) {
        return new TokenVerifier(keys, issuer, clockSkew, clock);
    }
}
