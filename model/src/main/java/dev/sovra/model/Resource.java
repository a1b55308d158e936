package dev.sovra.model;

import java.util.Map;
import java.util.Objects;

/**
 * A SECA resource that the controller realises itself (workspaces, block storage bookkeeping, and the
 * other resources whose data planes come later): the tenant's envelope, the spec as sent, and the
 * lifecycle status. Specs stay in their wire shape (nested maps, lists, strings, numbers) because
 * the controller validates them but must echo them verbatim.
 *
 * @param kind the SECA kind, e.g. {@code workspace}, {@code block-storage}
 * @param workspace null for tenant-scoped resources
 */
public record Resource(
        String kind,
        String tenant,
        String workspace,
        String name,
        Map<String, String> labels,
        Map<String, String> annotations,
        Map<String, String> extensions,
        Map<String, Object> spec,
        ResourceStatus status,
        ResourceMetadata metadata) {

    public Resource {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(metadata, "metadata");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
        spec = spec == null ? Map.of() : spec;
    }
}
