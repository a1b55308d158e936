package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.KindRules;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.SecurityGroupRuleRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import io.micronaut.http.annotation.Controller;

/** seca.network/v1 security-group-rules (standalone reusable rules); rules in {@link SecurityGroupRuleRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/security-group-rules")
public final class SecurityGroupRuleController extends WorkspaceNetworkResourceController {
    private final SecurityGroupRuleRules kind;

    public SecurityGroupRuleController(ResourceService resources, ComputeCatalog catalog, SecurityGroupRuleRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Override
    protected ResourceType type() {
        return NetworkResources.SECURITY_GROUP_RULE;
    }

    @Override
    protected KindRules rules(String tenant, String workspace, String name) {
        return kind.rules();
    }
}
