package dev.sovra.controller.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * A PUT body for an instance. References arrive as an object ({@code {"resource": "skus/x"}}) or as
 * a URN/short string; metadata and status are read-only and ignored.
 */
@Serdeable
public record InstanceBody(
        @Nullable Map<String, String> labels,
        @Nullable Map<String, String> annotations,
        @Nullable Map<String, String> extensions,
        @Nullable Spec spec) {

    @Serdeable
    public record Spec(@Nullable Object skuRef, @Nullable String zone, @Nullable VolumeReference bootVolume) {}

    @Serdeable
    public record VolumeReference(@Nullable Object deviceRef, @Nullable String type) {}
}
