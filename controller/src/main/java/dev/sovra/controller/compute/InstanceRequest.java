package dev.sovra.controller.compute;

import java.util.Map;

/** What a tenant may set on an instance (SECA labels and spec), already parsed from the wire format. */
public record InstanceRequest(Map<String, String> labels, String sku, String zone, String bootImage) {}
