package dev.sovra.controller.api;

import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceStatus;
import dev.sovra.model.StatusCondition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders stored resources in the SECA wire shape (envelope, metadata, status). */
final class SecaJson {
    private SecaJson() {}

    static Map<String, Object> resource(ResourceType type, Resource resource, String verb, String region) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("labels", resource.labels());
        body.put("annotations", resource.annotations());
        body.put("extensions", resource.extensions());
        body.put("metadata", metadata(type, resource.tenant(), resource.workspace(), resource.name(), resource.metadata(), verb, region));
        body.put("spec", resource.spec());
        body.put("status", status(resource.status()));
        return body;
    }

    /**
     * A global, tenant-level resource (roles, role assignments): GlobalTenantResourceMetadata, which has
     * no {@code region}.
     */
    static Map<String, Object> globalResource(ResourceType type, Resource resource, String verb) {
        return resource(type, resource, verb, null);
    }

    /**
     * Metadata as the conformance suite checks it: {@code resource} is {@code <plural>/<name>},
     * {@code ref} the full URN, {@code verb} the HTTP method of this request; {@code region} is left
     * out when null (global resources).
     */
    static Map<String, Object> metadata(ResourceType type, String tenant, String workspace, String name, ResourceMetadata m,
                                        String verb, String region) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("provider", type.provider());
        metadata.put("resource", type.resource(name));
        metadata.put("verb", verb);
        if (m != null) {
            metadata.put("createdAt", m.createdAt().toString());
            metadata.put("lastModifiedAt", m.lastModifiedAt().toString());
            metadata.put("resourceVersion", m.resourceVersion());
            if (m.deletedAt() != null) {
                metadata.put("deletedAt", m.deletedAt().toString());
            }
        }
        metadata.put("apiVersion", "v1");
        metadata.put("kind", type.kind());
        metadata.put("ref", type.provider() + "/" + type.secaPath(tenant, workspace, name));
        metadata.put("tenant", tenant);
        if (workspace != null) {
            metadata.put("workspace", workspace);
        }
        if (type.network() != null) {
            metadata.put("network", type.network());
        }
        if (region != null) {
            metadata.put("region", region);
        }
        return metadata;
    }

    static Map<String, Object> status(ResourceStatus status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", lower(status.state()));
        body.put("conditions", conditions(status.conditions()));
        return body;
    }

    static List<Map<String, Object>> conditions(List<StatusCondition> conditions) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (StatusCondition c : conditions) {
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("state", lower(c.state()));
            condition.put("lastTransitionAt", c.lastTransitionAt().toString());
            if (c.type() != null) {
                condition.put("type", c.type());
            }
            if (c.reason() != null) {
                condition.put("reason", c.reason());
            }
            if (c.message() != null) {
                condition.put("message", c.message());
            }
            list.add(condition);
        }
        return list;
    }

    static Map<String, Object> page(String provider, String resource, List<Map<String, Object>> items, String skipToken) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("provider", provider);
        metadata.put("resource", resource);
        metadata.put("verb", "GET");
        if (skipToken != null) {
            metadata.put("skipToken", skipToken);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("metadata", metadata);
        return body;
    }

    static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
