package dev.sovra.controller.api;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.NetworkResources;
import dev.sovra.controller.network.SubnetRules;
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

/** seca.network/v1 subnets, nested under a network (CIDR inside the network, zone, route table); rules in {@link SubnetRules}. */
@Controller("/providers/seca.network/v1/tenants/{tenant}/workspaces/{workspace}/networks/{network}/subnets")
public final class SubnetController extends NetworkResourceController {
    private final SubnetRules kind;

    public SubnetController(ResourceService resources, ComputeCatalog catalog, SubnetRules kind) {
        super(resources, catalog);
        this.kind = kind;
    }

    private static ResourceType type(String network) {
        return NetworkResources.subnets(network);
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String network,
                                                 @PathVariable String name, @Nullable @Body Map<String, Object> body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        return put(type(network), tenant, workspace, name, body, ifUnmodifiedSince, kind.rules(tenant, workspace, network, name), r -> kind.status(network, r));
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String network,
                                   @PathVariable String name) {
        requireNetwork(tenant, workspace, network);
        return get(type(network), tenant, workspace, name, r -> kind.status(network, r));
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String network,
                                    @Nullable @QueryValue String labels, @Nullable @QueryValue Integer limit,
                                    @Nullable @QueryValue String skipToken) {
        requireNetwork(tenant, workspace, network);
        return list(type(network), tenant, workspace, labels, limit, skipToken, r -> kind.status(network, r));
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String network,
                                     @PathVariable String name, @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        requireNetwork(tenant, workspace, network);
        return delete(type(network), tenant, workspace, name, ifUnmodifiedSince, kind.rules(tenant, workspace, network, name));
    }
}
