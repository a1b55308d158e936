package dev.sovra.controller.api;

import dev.sovra.controller.resource.ResourceRequest;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/** The PUT body of a SECA resource the controller stores as sent; metadata other than region and status are ignored. */
@Serdeable
public record ResourceBody(
        @Nullable Map<String, String> labels,
        @Nullable Map<String, String> annotations,
        @Nullable Map<String, String> extensions,
        @Nullable Map<String, Object> metadata,
        @Nullable Map<String, Object> spec) {

    public ResourceRequest toRequest(boolean specRequired) {
        if (specRequired && spec == null) {
            throw dev.sovra.controller.compute.ApiProblem.unprocessable("spec is required");
        }
        Object region = metadata == null ? null : metadata.get("region");
        return new ResourceRequest(labels, annotations, extensions, region == null ? null : String.valueOf(region),
                spec == null ? Map.of() : spec);
    }
}
