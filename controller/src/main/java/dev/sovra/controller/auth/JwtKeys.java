package dev.sovra.controller.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's token signing key: one EC P-256 key (ES256) kept as a private JWK in
 * {@code <dir>/signing-key.jwk} (mode 0600, directory 0700). Created on first start, reloaded on
 * every later one, so tokens stay valid across controller restarts. The key id is the key's
 * RFC 7638 thumbprint. Key material never reaches a log.
 */
public final class JwtKeys {
    private static final Logger log = LoggerFactory.getLogger(JwtKeys.class);
    static final String KEY_FILE = "signing-key.jwk";
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final ECKey signingKey;
    private final ECKey verificationKey;

    private JwtKeys(ECKey signingKey) {
        this.signingKey = signingKey;
        this.verificationKey = signingKey.toPublicJWK();
    }

    /**
     * Loads the signing key from {@code dir}, or generates and stores a new one if there is none.
     *
     * @throws UncheckedIOException if the key file cannot be read or written
     * @throws IllegalStateException if the key file exists but is not a private EC P-256 JWK
     */
    public static JwtKeys loadOrCreate(Path dir) {
        Path file = dir.resolve(KEY_FILE);
        if (Files.exists(file)) {
            JwtKeys keys = new JwtKeys(read(file));
            warnIfReadableByOthers(file);
            log.info("jwt signing key loaded file={} kid={} alg=ES256", file, keys.keyId());
            return keys;
        }
        JwtKeys keys = new JwtKeys(generate());
        write(file, keys.signingKey.toJSONString());
        log.info("jwt signing key created file={} kid={} alg=ES256", file, keys.keyId());
        return keys;
    }

    /** A fresh key that is not stored anywhere (tests, and tokens no appliance accepts). */
    public static JwtKeys ephemeral() {
        return new JwtKeys(generate());
    }

    /** The private key, for signing. */
    ECKey signingKey() {
        return signingKey;
    }

    /** The public half, for verification (and a JWKS document one day). */
    public ECKey verificationKey() {
        return verificationKey;
    }

    public String keyId() {
        return signingKey.getKeyID();
    }

    private static ECKey generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the EC P-256 signing key", e);
        }
    }

    private static ECKey read(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        ECKey key;
        try {
            key = ECKey.parse(json);
        } catch (ParseException e) {
            // The parser's message may quote the file; do not pass it on.
            throw new IllegalStateException("signing key " + file + " is not a valid EC JWK");
        }
        if (!Curve.P_256.equals(key.getCurve()) || !key.isPrivate()) {
            throw new IllegalStateException("signing key " + file + " must be a private EC P-256 JWK");
        }
        if (key.getKeyID() == null) {
            try {
                key = new ECKey.Builder(key).keyIDFromThumbprint().build();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot compute the key id of " + file, e);
            }
        }
        return key;
    }

    /** Writes the key next to its final place with mode 0600 from the start, then renames it into place. */
    private static void write(Path file, String json) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (POSIX) {
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
            } else {
                Files.createDirectories(dir);
            }
            Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            if (POSIX) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void warnIfReadableByOthers(Path file) {
        if (!POSIX) {
            return;
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("jwt signing key readable by others file={} mode={} expected=rw-------", file,
                        PosixFilePermissions.toString(permissions));
            }
        } catch (IOException e) {
            log.warn("cannot read permissions file={} error={}", file, e.toString());
        }
    }
}
