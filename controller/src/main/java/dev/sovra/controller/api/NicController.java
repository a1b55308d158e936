package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.NicRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.Map;
import java.util.function.Function;

/** seca.network/v1 nics (addresses from the subnet, MAC); rules in {@link NicRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/nics")
public final class NicController extends WorkspaceNetworkResourceController {
    private final NicRules kind;

    public NicController(ResourceService resources, ComputeCatalog catalog, NicRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Override
    protected ResourceType type() {
        return NetworkResources.NIC;
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
