package dev.sovra.model;

import java.util.Map;
import java.util.Objects;

/**
 * A SECA compute instance as the controller stores it: what the tenant asked for, where it runs,
 * and what was last observed.
 *
 * @param sku the instance SKU name (e.g. {@code seca.d2xs}); immutable
 * @param zone the availability zone; immutable
 * @param bootImage the boot source the instance was created from (until seca.storage volumes exist)
 * @param runtime what the node must run, derived from SKU and boot image; carries desired power
 * @param nodeId the node the scheduler placed it on, or null while unplaced
 */
public record Instance(
        String tenant,
        String workspace,
        String name,
        Map<String, String> labels,
        String sku,
        String zone,
        String bootImage,
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
        return new Instance(tenant, workspace, name, labels, sku, zone, bootImage, newRuntime, nodeId, status, metadata);
    }

    public Instance withNode(String newNodeId) {
        return new Instance(tenant, workspace, name, labels, sku, zone, bootImage, runtime, newNodeId, status, metadata);
    }

    public Instance withStatus(InstanceStatus newStatus) {
        return new Instance(tenant, workspace, name, labels, sku, zone, bootImage, runtime, nodeId, newStatus, metadata);
    }

    public Instance withMetadata(ResourceMetadata newMetadata) {
        return new Instance(tenant, workspace, name, labels, sku, zone, bootImage, runtime, nodeId, status, newMetadata);
    }

    public Instance withLabels(Map<String, String> newLabels) {
        return new Instance(tenant, workspace, name, newLabels, sku, zone, bootImage, runtime, nodeId, status, metadata);
    }
}
