package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.InstanceRequest;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.model.Instance;
import dev.sovra.model.ResourceMetadata;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import java.util.List;
import java.util.Locale;

/**
 * seca.compute/v1 instances. Until seca.storage exists, {@code spec.bootVolume.deviceRef} names a
 * boot image of the appliance's catalogue; everything else follows the SECA contract.
 */
@Controller("/providers/seca.compute/v1/tenants/{tenant}/workspaces/{workspace}/instances")
public final class InstanceController {
    static final String PROVIDER = "seca.compute/v1";

    private final InstanceService instances;
    private final ComputeCatalog catalog;

    public InstanceController(InstanceService instances, ComputeCatalog catalog) {
        this.instances = instances;
        this.catalog = catalog;
    }

    @Put("/{name}")
    public HttpResponse<InstanceResource> put(@PathVariable String tenant, @PathVariable String workspace,
                                              @PathVariable String name, @Nullable @Body InstanceBody body,
                                              @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        if (body == null || body.spec() == null) {
            throw ApiProblem.unprocessable("spec is required");
        }
        InstanceBody.Spec spec = body.spec();
        String bootImage = spec.bootVolume() == null ? null
                : References.name("spec.bootVolume.deviceRef", spec.bootVolume().deviceRef(), "images");
        InstanceRequest request = new InstanceRequest(body.labels(), References.name("spec.skuRef", spec.skuRef(), "skus"),
                spec.zone(), bootImage);
        InstanceService.PutResult result = instances.put(tenant, workspace, name, request, ifUnmodifiedSince);
        return HttpResponse.<InstanceResource>status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(render(result.instance(), "PUT"));
    }

    @Get("/{name}")
    public InstanceResource get(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name) {
        return render(instances.get(tenant, workspace, name), "GET");
    }

    @Get
    public InstanceResource.Page list(@PathVariable String tenant, @PathVariable String workspace) {
        List<InstanceResource> items = instances.list(tenant, workspace).stream()
                .filter(i -> !i.metadata().deleting())
                .map(i -> render(i, "GET")).toList();
        return new InstanceResource.Page(items, new InstanceResource.PageMetadata(PROVIDER,
                "tenants/" + tenant + "/workspaces/" + workspace + "/instances", "GET", null));
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                     @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        instances.delete(tenant, workspace, name, ifUnmodifiedSince);
        return HttpResponse.accepted();
    }

    @Post("/{name}/start")
    public HttpResponse<Void> start(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                    @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        instances.start(tenant, workspace, name, ifUnmodifiedSince);
        return HttpResponse.accepted();
    }

    @Post("/{name}/stop")
    public HttpResponse<Void> stop(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                   @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        instances.stop(tenant, workspace, name, ifUnmodifiedSince);
        return HttpResponse.accepted();
    }

    @Post("/{name}/restart")
    public HttpResponse<Void> restart(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                      @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        instances.restart(tenant, workspace, name, ifUnmodifiedSince);
        return HttpResponse.accepted();
    }

    private InstanceResource render(Instance instance, String verb) {
        ResourceMetadata m = instance.metadata();
        var metadata = new InstanceResource.Metadata(instance.name(), PROVIDER, instance.path(), verb, m.createdAt(),
                m.lastModifiedAt(), m.resourceVersion(), m.deletedAt(), "v1", "instance", PROVIDER + "/" + instance.path(),
                instance.tenant(), instance.workspace(), catalog.region());
        var spec = new InstanceResource.Spec(InstanceResource.Reference.of("skus/" + instance.sku()), instance.zone(),
                new InstanceResource.VolumeReference(InstanceResource.Reference.of("images/" + instance.bootImage()), "virtio"));
        var status = new InstanceResource.Status(lower(instance.status().state()), lower(instance.status().powerState()),
                instance.status().powerStateSince(),
                instance.status().conditions().stream().map(c -> new InstanceResource.Condition(lower(c.state()),
                        c.lastTransitionAt(), c.type(), c.reason(), c.message())).toList());
        return new InstanceResource(instance.labels(), null, null, metadata, spec, status);
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
