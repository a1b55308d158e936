package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.SecurityGroupRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.Map;
import java.util.function.Function;

/** seca.network/v1 security-groups (inline rules and rule references); rules in {@link SecurityGroupRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/security-groups")
public final class SecurityGroupController extends WorkspaceNetworkResourceController {
    private final SecurityGroupRules kind;

    public SecurityGroupController(ResourceService resources, ComputeCatalog catalog, SecurityGroupRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Override
    protected ResourceType type() {
        return NetworkResources.SECURITY_GROUP;
    }

    @Override
    protected KindRules rules(String tenant, String workspace, String name) {
        return kind.rules();
    }

    @Override
    protected Function<Resource, Map<String, Object>> status() {
        return kind::status;
    }
}
