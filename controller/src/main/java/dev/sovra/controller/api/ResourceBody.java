package dev.sovra.controller.api;

import dev.sovra.controller.resource.ResourceRequest;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * The PUT body of a SECA resource: the user-mutable maps and the spec. Metadata (except the region the
 * client names) and status are read-only and ignored, so a client may send back what it read; any
 * other top-level field is refused as malformed rather than silently dropped.
 */
@Serdeable
@JsonIgnoreProperties(ignoreUnknown = false)
public record ResourceBody(
        @Nullable Map<String, String> labels,
        @Nullable Map<String, String> annotations,
        @Nullable Map<String, String> extensions,
        @Nullable Map<String, Object> metadata,
        @Nullable Map<String, Object> spec,
        @Nullable Map<String, Object> status) {

    public ResourceRequest toRequest(boolean specRequired) {
        if (specRequired && spec == null) {
            throw dev.sovra.controller.compute.ApiProblem.unprocessable("spec is required");
        }
        Object region = metadata == null ? null : metadata.get("region");
        return new ResourceRequest(labels, annotations, extensions, region == null ? null : String.valueOf(region),
                spec == null ? Map.of() : spec);
    }
}
