package dev.sovra.controller.compute;

import java.util.List;
import java.util.Map;

/**
 * What a tenant may set on an instance, parsed from the SECA wire format.
 *
 * @param bootVolume the name of the block storage to boot from (same workspace)
 * @param dataVolumes names of the block storages attached after the boot volume, in order (same workspace)
 * @param spec the spec exactly as sent, to be echoed back
 */
public record InstanceRequest(Map<String, String> labels, Map<String, String> annotations, Map<String, String> extensions,
                              String sku, String zone,
                              String bootVolume, List<String> dataVolumes, Map<String, Object> spec) {}
