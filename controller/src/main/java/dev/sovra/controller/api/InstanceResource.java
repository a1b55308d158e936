package dev.sovra.controller.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The SECA wire format of an instance (seca.compute/v1 Instance). */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceResource(
        Map<String, String> labels,
        Map<String, String> annotations,
        Map<String, String> extensions,
        Metadata metadata,
        Spec spec,
        Status status) {

    /** RegionalWorkspaceResourceMetadata. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metadata(String name, String provider, String resource, String verb, Instant createdAt,
                           Instant lastModifiedAt, long resourceVersion, Instant deletedAt, String apiVersion,
                           String kind, String ref, String tenant, String workspace, String region) {}

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(Reference skuRef, String zone, VolumeReference bootVolume) {}

    /** A SECA Reference in object form. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reference(String resource, String provider, String tenant, String workspace, String region) {
        public static Reference of(String resource) {
            return new Reference(resource, null, null, null, null);
        }
    }

    @Serdeable
    public record VolumeReference(Reference deviceRef, String type) {}

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(String state, String powerState, Instant powerStateSince, List<Condition> conditions) {}

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Condition(String state, Instant lastTransitionAt, String type, String reason, String message) {}

    /** A list response (SECA Iterator). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Page(List<InstanceResource> items, PageMetadata metadata) {}

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PageMetadata(String provider, String resource, String verb, String skipToken) {}
}
