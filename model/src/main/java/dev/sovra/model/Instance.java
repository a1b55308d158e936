package dev.sovra.model;

import java.util.Map;
import java.util.Objects;

/**
 * A SECA compute instance as the controller stores it: what the tenant asked for, where it runs,
 * and what was last observed.
 *
 * @param extensions the SECA envelope's {@code extensions}, echoed back as sent (validated like annotations)
 * @param sku the instance SKU name (e.g. {@code seca.d2xs}); immutable
 * @param zone the availability zone; immutable
 * @param bootVolume the name of the block storage (same workspace) the instance boots from
 * @param spec the SECA spec as the tenant sent it, echoed back verbatim (references keep their form)
 * @param runtime what the node must run, derived from SKU and boot volume; carries desired power
 * @param nodeId the node the scheduler placed it on, or null while unplaced
 */
public record Instance(
        String tenant,
        String workspace,
        String name,
        Map<String, String> labels,
        Map<String, String> annotations,
        Map<String, String> extensions,
        String sku,
        String zone,
        String bootVolume,
        Map<String, Object> spec,
        InstanceSpec runtime,
        String nodeId,
        InstanceStatus status,
        ResourceMetadata metadata) {

    public Instance {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(metadata, "metadata");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
        spec = spec == null ? Map.of() : spec;
    }

    /** The SECA resource path, e.g. {@code tenants/t1/workspaces/ws1/instances/vm1}. */
    public static String path(String tenant, String workspace, String name) {
        return "tenants/" + tenant + "/workspaces/" + workspace + "/instances/" + name;
    }

    public String path() {
        return path(tenant, workspace, name);
    }

    public String uid() {
        return runtime.uid();
    }

    public Instance withRuntime(InstanceSpec newRuntime) {
        return new Instance(tenant, workspace, name, labels, annotations, extensions, sku, zone, bootVolume, spec, newRuntime, nodeId, status, metadata);
    }

    public Instance withNode(String newNodeId) {
        return new Instance(tenant, workspace, name, labels, annotations, extensions, sku, zone, bootVolume, spec, runtime, newNodeId, status, metadata);
    }

    public Instance withStatus(InstanceStatus newStatus) {
        return new Instance(tenant, workspace, name, labels, annotations, extensions, sku, zone, bootVolume, spec, runtime, nodeId, newStatus, metadata);
    }

    public Instance withMetadata(ResourceMetadata newMetadata) {
        return new Instance(tenant, workspace, name, labels, annotations, extensions, sku, zone, bootVolume, spec, runtime, nodeId, status, newMetadata);
    }

    /** The tenant-mutable parts of a PUT on an existing instance. */
    public Instance withEnvelope(Map<String, String> newLabels, Map<String, String> newAnnotations,
                                 Map<String, String> newExtensions, Map<String, Object> newSpec) {
        return new Instance(tenant, workspace, name, newLabels, newAnnotations, newExtensions, sku, zone, bootVolume, newSpec, runtime, nodeId,
                status, metadata);
    }
}
