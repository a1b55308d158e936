package dev.sovra.controller.network;

import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;

/**
 * Internet gateways: {@code egressOnly} (optional boolean, default false). A gateway stays deletable while route
 * tables target it (CONFORMANCE.md 5.6: the network lifecycle deletes it first); such routes turn 'pending'.
 */
@Singleton
public final class InternetGatewayRules {
    public KindRules rules() {
        return new KindRules() {
            @Override
            public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
                Specs.bool("spec.egressOnly", request.spec().get("egressOnly"));
            }
        };
    }
}
