package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.PublicIpRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.Map;
import java.util.function.Function;

/** seca.network/v1 public-ips (addresses from the public pool); rules in {@link PublicIpRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/public-ips")
public final class PublicIpController extends WorkspaceNetworkResourceController {
    private final PublicIpRules kind;

    public PublicIpController(ResourceService resources, ComputeCatalog catalog, PublicIpRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Override
    protected ResourceType type() {
        return NetworkResources.PUBLIC_IP;
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
