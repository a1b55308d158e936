package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.SecurityGroupRuleRules;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.util.Map;

/** seca.network/v1 security-group-rules (standalone reusable rules); rules in {@link SecurityGroupRuleRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/security-group-rules")
public final class SecurityGroupRuleController extends NetworkResourceController {
    private static final ResourceType TYPE = NetworkResources.SECURITY_GROUP_RULE;

    private final SecurityGroupRuleRules kind;

    public SecurityGroupRuleController(ResourceService resources, ComputeCatalog catalog, SecurityGroupRuleRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                                 @Nullable @Body ResourceBody body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        return put(TYPE, tenant, workspace, name, body, ifUnmodifiedSince, kind.rules(), null);
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name) {
        return get(TYPE, tenant, workspace, name, null);
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @PathVariable String workspace, @Nullable @QueryValue String labels,
                                    @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        return list(TYPE, tenant, workspace, labels, limit, skipToken, null);
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                     @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        return delete(TYPE, tenant, workspace, name, ifUnmodifiedSince, kind.rules());
    }
}
