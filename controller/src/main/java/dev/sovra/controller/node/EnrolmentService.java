package dev.sovra.controller.node;

import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.transport.EnrolmentException;
import dev.sovra.transport.EnrolmentHandler;
import dev.sovra.transport.message.EnrolRequest;
import dev.sovra.transport.message.EnrolResponse;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.EnrolmentToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints one-time enrolment tokens and exchanges a valid one for a node certificate signed by the
 * cluster CA. A token is consumed with a compare-and-swap, so two agents racing with the same
 * token cannot both succeed.
 */
public final class EnrolmentService implements EnrolmentHandler {
    private static final Logger log = LoggerFactory.getLogger(EnrolmentService.class);
    private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private final Repository<EnrolmentTokenRecord> tokens;
    private final ClusterCa ca;
    private final Duration certificateValidity;
    private final Clock clock;

    public EnrolmentService(Repository<EnrolmentTokenRecord> tokens, ClusterCa ca, Duration certificateValidity, Clock clock) {
        this.tokens = tokens;
        this.ca = ca;
        this.certificateValidity = certificateValidity;
        this.clock = clock;
    }

    public EnrolmentToken mint(Duration ttl) {
        EnrolmentToken token = EnrolmentToken.generate(ca.fingerprintSha256());
        Instant now = clock.instant();
        tokens.compareAndPut(token.id(), new EnrolmentTokenRecord(token.id(), token.secretSha256(), now, now.plus(ttl), null, null), 0)
                .orElseThrow(() -> new IllegalStateException("enrolment token id collision: " + token.id()));
        log.info("enrolment token minted id={} expiresAt={}", token.id(), now.plus(ttl));
        return token;
    }

    @Override
    public EnrolResponse enrol(EnrolRequest request) throws EnrolmentException {
        EnrolmentToken token;
        try {
            token = EnrolmentToken.parse(request.token());
        } catch (IllegalArgumentException e) {
            throw new EnrolmentException("invalid-token", "enrolment token is malformed");
        }
        if (request.nodeName() == null || !NODE_NAME.matcher(request.nodeName()).matches()) {
            throw new EnrolmentException("invalid-node-name", "node name must be a DNS label, was " + request.nodeName());
        }
        Optional<Versioned<EnrolmentTokenRecord>> stored = tokens.get(token.id());
        if (stored.isEmpty() || !constantTimeEquals(stored.get().value().secretSha256(), token.secretSha256())) {
            log.warn("enrolment refused node={} token={} reason=unknown-token", request.nodeName(), token.id());
            throw new EnrolmentException("invalid-token", "enrolment token is not known");
        }
        EnrolmentTokenRecord record = stored.get().value();
        Instant now = clock.instant();
        if (record.used()) {
            log.warn("enrolment refused node={} token={} reason=token-used usedBy={}", request.nodeName(), token.id(), record.usedBy());
            throw new EnrolmentException("token-used", "enrolment token was already used");
        }
        if (now.isAfter(record.expiresAt())) {
            throw new EnrolmentException("token-expired", "enrolment token expired at " + record.expiresAt());
        }
        X509Certificate certificate;
        try {
            certificate = ca.signNodeCertificate(request.csrDer(), request.nodeName(), certificateValidity);
        } catch (RuntimeException e) {
            throw new EnrolmentException("invalid-csr", "certificate request refused: " + e.getMessage());
        }
        if (tokens.compareAndPut(token.id(), record.consumedBy(request.nodeName(), now), stored.get().revision()).isEmpty()) {
            throw new EnrolmentException("token-used", "enrolment token was already used");
        }
        log.info("node enrolled node={} token={} notAfter={}", request.nodeName(), token.id(), certificate.getNotAfter().toInstant());
        try {
            return new EnrolResponse(certificate.getEncoded(), ca.certificate().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode issued certificate", e);
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
