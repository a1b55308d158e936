package dev.sovra.transport.pki;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A one-time enrolment token: {@code sovra-enrol:<id>.<secret>@<caFingerprint>}. The id names the
 * token in the controller's store, the secret proves possession (the controller stores only its
 * SHA-256), and the CA fingerprint lets a new node trust the controller without prior configuration.
 */
public record EnrolmentToken(String id, String secret, String caFingerprint) {
    private static final String PREFIX = "sovra-enrol:";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{32}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern TOKEN = Pattern.compile(
            Pattern.quote(PREFIX) + "([^.@]*)\\.([^@]*)@(.*)");
    private static final SecureRandom RANDOM = new SecureRandom();

    public EnrolmentToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(caFingerprint, "caFingerprint");
        caFingerprint = caFingerprint.toLowerCase(Locale.ROOT);
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("enrolment token id must be 8 lower-case hex digits");
        }
        if (!SECRET.matcher(secret).matches()) {
            throw new IllegalArgumentException("enrolment token secret must be 32 url-safe base64 characters");
        }
        if (!FINGERPRINT.matcher(caFingerprint).matches()) {
            throw new IllegalArgumentException("enrolment token CA fingerprint must be 64 hex digits (SHA-256)");
        }
    }

    /** A new random token pinning the given CA fingerprint. */
    public static EnrolmentToken generate(String caFingerprint) {
        byte[] id = new byte[4];
        byte[] secret = new byte[24];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        return new EnrolmentToken(HexFormat.of().formatHex(id), Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                caFingerprint);
    }

    /**
     * Parses {@code sovra-enrol:<id>.<secret>@<caFingerprint>} (surrounding white space ignored).
     *
     * @throws IllegalArgumentException naming what is wrong (never echoing the secret)
     */
    public static EnrolmentToken parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("enrolment token is empty");
        }
        String trimmed = text.strip();
        if (!trimmed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("enrolment token must start with '" + PREFIX + "'");
        }
        Matcher m = TOKEN.matcher(trimmed);
        if (!m.matches()) {
            throw new IllegalArgumentException("enrolment token must look like " + PREFIX + "<id>.<secret>@<ca-sha256>");
        }
        return new EnrolmentToken(m.group(1), m.group(2), m.group(3));
    }

    /** Lower-case hex SHA-256 of the secret: the only form the controller stores. */
    public String secretSha256() {
        return Pem.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return PREFIX + id + "." + secret + "@" + caFingerprint;
    }
}
