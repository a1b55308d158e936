package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.NetworkRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.Map;
import java.util.function.Function;

/** seca.network/v1 networks (workspace-scoped, CIDRs and SKU); rules in {@link NetworkRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/networks")
public final class NetworkController extends WorkspaceNetworkResourceController {
    private final NetworkRules kind;

    public NetworkController(ResourceService resources, ComputeCatalog catalog, NetworkRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Override
    protected ResourceType type() {
        return NetworkResources.NETWORK;
    }

    @Override
    protected KindRules rules(String tenant, String workspace, String name) {
        return kind.rules(tenant, workspace, name);
    }

    @Override
    protected Function<Resource, Map<String, Object>> status() {
        return kind::status;
    }
}
