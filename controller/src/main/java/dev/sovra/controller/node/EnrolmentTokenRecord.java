package dev.sovra.controller.node;

import java.time.Instant;

/** A one-time node enrolment token as stored: only the hash of its secret is kept. */
public record EnrolmentTokenRecord(String id, String secretSha256, Instant createdAt, Instant expiresAt,
                                   Instant usedAt, String usedBy) {
    public boolean used() {
        return usedAt != null;
    }

    public EnrolmentTokenRecord consumedBy(String nodeName, Instant now) {
        return new EnrolmentTokenRecord(id, secretSha256, createdAt, expiresAt, now, nodeName);
    }
}
