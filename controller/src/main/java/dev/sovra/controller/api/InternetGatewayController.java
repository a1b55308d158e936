package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.InternetGatewayRules;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import io.micronaut.http.annotation.Controller;

/** seca.network/v1 internet-gateways (egress-only flag); rules in {@link InternetGatewayRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/internet-gateways")
public final class InternetGatewayController extends WorkspaceNetworkResourceController {
    private final InternetGatewayRules kind;

    public InternetGatewayController(ResourceService resources, ComputeCatalog catalog, InternetGatewayRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Override
    protected ResourceType type() {
        return NetworkResources.INTERNET_GATEWAY;
    }

    @Override
    protected KindRules rules(String tenant, String workspace, String name) {
        return kind.rules();
    }
}
