package dev.sovra.controller.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtKeysTest {
    private static final String ISSUER = "https://sovra.local/auth";

    @TempDir
    Path dir;

    @Test
    void keySurvivesRestartAndTokensStayValid() throws Exception {
        Path auth = dir.resolve("auth");
        JwtKeys first = JwtKeys.loadOrCreate(auth);
        String token = new TokenIssuer(first, ISSUER, Duration.ofHours(1), Clock.systemUTC()).issue("alice", null, null).token();

        JwtKeys second = JwtKeys.loadOrCreate(auth);
        assertEquals(first.keyId(), second.keyId());
        assertEquals(first.verificationKey(), second.verificationKey());
        assertEquals("alice", new TokenVerifier(second, ISSUER, Duration.ofSeconds(60), Clock.systemUTC()).verify(token).subject());
    }

    @Test
    void keyFileIsPrivateToItsOwner() throws Exception {
        Path auth = dir.resolve("auth");
        JwtKeys.loadOrCreate(auth);
        Path file = auth.resolve(JwtKeys.KEY_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)));
        String json = Files.readString(file);
        assertTrue(json.contains("\"d\""), "the file holds the private key");
        assertTrue(json.contains("\"P-256\""));
        try (var listing = Files.list(auth)) {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }
    }

    @Test
    void freshDirectoriesGetDifferentKeys() {
        assertNotEquals(JwtKeys.loadOrCreate(dir.resolve("a")).keyId(), JwtKeys.loadOrCreate(dir.resolve("b")).keyId());
    }

    @Test
    void aBrokenKeyFileStopsStartupInsteadOfBeingReplaced() throws Exception {
        Path auth = dir.resolve("auth");
        Files.createDirectories(auth);
        Files.writeString(auth.resolve(JwtKeys.KEY_FILE), "{\"kty\":\"EC\",\"crv\":\"P-256\", secret-ish garbage");
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> JwtKeys.loadOrCreate(auth));
        assertFalse(error.getMessage().contains("garbage"), "the message does not quote the file");

        JwtKeys publicOnly = JwtKeys.ephemeral();
        Files.writeString(auth.resolve(JwtKeys.KEY_FILE), publicOnly.verificationKey().toJSONString());
        assertThrows(IllegalStateException.class, () -> JwtKeys.loadOrCreate(auth));
    }
}
