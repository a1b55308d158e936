package dev.sovra.controller.compute;

import java.util.Map;

/**
 * What a tenant may set on an instance, parsed from the SECA wire format.
 *
 * @param bootVolume the name of the block storage to boot from (same workspace)
 * @param spec the spec exactly as sent, to be echoed back
 */
public record InstanceRequest(Map<String, String> labels, Map<String, String> annotations, String sku, String zone,
                              String bootVolume, Map<String, Object> spec) {}
