package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.InstanceRequest;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.controller.resource.ListQuery;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Instance;
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
import io.micronaut.http.annotation.QueryValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** seca.compute/v1 instances: the SECA contract over {@link InstanceService}. */
@Controller("/providers/seca.compute/v1/tenants/{tenant}/workspaces/{workspace}/instances")
public final class InstanceController {
    static final ResourceType TYPE = new ResourceType("seca.compute/v1", "instances", "instance", true);
    private static final String STORAGE = ResourceType.BLOCK_STORAGE.provider();

    private final InstanceService instances;
    private final ComputeCatalog catalog;

    public InstanceController(InstanceService instances, ComputeCatalog catalog) {
        this.instances = instances;
        this.catalog = catalog;
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String workspace,
                                                 @PathVariable String name, @Nullable @Body Map<String, Object> raw,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        ResourceBody body = ResourceBody.of(raw);
        if (body == null || body.spec() == null) {
            throw ApiProblem.unprocessable("spec is required");
        }
        Map<String, Object> spec = body.spec();
        validateSpec(spec);
        Object bootVolume = spec.get("bootVolume");
        Object deviceRef = bootVolume instanceof Map<?, ?> volume ? volume.get("deviceRef") : null;
        List<String> dataVolumes = new ArrayList<>();
        if (spec.get("dataVolumes") instanceof List<?> volumes) {
            for (int i = 0; i < volumes.size(); i++) {
                String field = "spec.dataVolumes[" + i + "].deviceRef";
                Object dataRef = volumes.get(i) instanceof Map<?, ?> volume ? volume.get("deviceRef") : null;
                if (dataRef == null) {
                    throw ApiProblem.unprocessable(field + " is required");
                }
                dataVolumes.add(References.name(field, dataRef, "block-storages", STORAGE, tenant, workspace, catalog.region()));
            }
        }
        InstanceRequest request = new InstanceRequest(body.labels(), body.annotations(), body.extensions(),
                References.name("spec.skuRef", spec.get("skuRef"), "skus", TYPE.provider(), tenant, null, catalog.region()), text(spec, "zone"),
                References.name("spec.bootVolume.deviceRef", deviceRef, "block-storages", STORAGE, tenant, workspace,
                        catalog.region()), List.copyOf(dataVolumes), spec);
        String region = body.toRequest(true).region();
        if (region != null && !region.equals(catalog.region())) {
            throw ApiProblem.unprocessable("metadata.region: no region named " + region + " (this is " + catalog.region() + ")");
        }
        InstanceService.PutResult result = instances.put(tenant, workspace, name, request, ifUnmodifiedSince);
        return HttpResponse.<Map<String, Object>>status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(render(result.instance(), "PUT"));
    }

    /** The SECA limits of the instance's fields. */
    private static void validateSpec(Map<String, Object> spec) {
        String zone = text(spec, "zone");
        if (zone == null || zone.isEmpty() || zone.length() > 32) {
            throw ApiProblem.unprocessable("spec.zone is required, 1 to 32 characters");
        }
        String userData = text(spec, "userData");
        if (userData != null && userData.length() > 65536) {
            throw ApiProblem.unprocessable("spec.userData is longer than 65536 characters");
        }
        String group = text(spec, "antiAffinityGroup");
        if (group != null && group.length() > 64) {
            throw ApiProblem.unprocessable("spec.antiAffinityGroup is longer than 64 characters");
        }
        if (spec.get("sshKeys") != null) {
            if (!(spec.get("sshKeys") instanceof List<?> keys) || keys.size() > 32) {
                throw ApiProblem.unprocessable("spec.sshKeys must be a list of at most 32 keys");
            }
            for (Object key : keys) {
                if (!(key instanceof String text) || text.isEmpty() || text.length() > 4096) {
                    throw ApiProblem.unprocessable("spec.sshKeys entries must be 1 to 4096 characters");
                }
            }
        }
        if (spec.get("dataVolumes") != null && (!(spec.get("dataVolumes") instanceof List<?> volumes) || volumes.size() > 64)) {
            throw ApiProblem.unprocessable("spec.dataVolumes must be a list of at most 64 volumes");
        }
    }

    private static String text(Map<String, Object> spec, String field) {
        Object value = spec.get(field);
        if (value != null && !(value instanceof String)) {
            throw ApiProblem.unprocessable("spec." + field + " must be a string");
        }
        return (String) value;
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name) {
        return render(instances.get(tenant, workspace, name), "GET");
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @PathVariable String workspace, @Nullable @QueryValue String labels,
                                    @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        ListQuery query = ListQuery.parse(labels, limit, skipToken);
        List<Map<String, Object>> items = new ArrayList<>();
        String last = null;
        String next = null;
        for (Instance instance : instances.list(tenant, workspace)) {
            if (instance.metadata().deleting() || (query.after() != null && instance.name().compareTo(query.after()) <= 0)
                    || !query.labels().matches(instance.labels())) {
                continue;
            }
            if (items.size() == query.limit()) {
                next = ListQuery.token(last);
                break;
            }
            items.add(render(instance, "GET"));
            last = instance.name();
        }
        return SecaJson.page(TYPE.provider(), TYPE.plural(), items, next);
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

    private Map<String, Object> render(Instance instance, String verb) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("labels", instance.labels());
        body.put("annotations", instance.annotations());
        body.put("extensions", instance.extensions());
        body.put("metadata", SecaJson.metadata(TYPE, instance.tenant(), instance.workspace(), instance.name(), instance.metadata(),
                verb, catalog.region()));
        body.put("spec", instance.spec());
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", SecaJson.lower(instance.status().state()));
        status.put("powerState", SecaJson.lower(instance.status().powerState()));
        if (instance.status().powerStateSince() != null) {
            status.put("powerStateSince", instance.status().powerStateSince().toString());
        }
        status.put("conditions", SecaJson.conditions(instance.status().conditions()));
        body.put("status", status);
        return body;
    }
}
