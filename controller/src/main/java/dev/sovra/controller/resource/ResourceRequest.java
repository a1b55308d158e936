package dev.sovra.controller.resource;

import java.util.Map;

/**
 * What a PUT may set on a resource, parsed from the wire: the user-mutable maps, the spec as sent,
 * and the region the client named in its (otherwise ignored) metadata.
 */
public record ResourceRequest(Map<String, String> labels, Map<String, String> annotations, Map<String, String> extensions,
                              String region, Map<String, Object> spec) {}
