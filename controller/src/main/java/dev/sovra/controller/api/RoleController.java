package dev.sovra.controller.api;

import dev.sovra.controller.authorization.AuthorizationService;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.Map;

/**
 * seca.authorization/v1 roles (global, tenant-level; metadata without region). Stored and validated
 * only: requests are not yet checked against roles (RBAC enforcement comes later).
 */
@Controller("/providers/seca.authorization/v1/tenants/{tenant}/roles")
public final class RoleController extends TenantResourceController {
    private static final ResourceType TYPE = ResourceType.ROLE;

    private final AuthorizationService authorization;

    public RoleController(ResourceService resources, AuthorizationService authorization) {
        super(resources);
        this.authorization = authorization;
    }

    @Override
    protected ResourceType type() {
        return TYPE;
    }

    @Override
    protected ResourceService.PutResult write(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince) {
        return authorization.putRole(tenant, name, request, ifUnmodifiedSince);
    }

    @Override
    protected void remove(String tenant, String name, Long ifUnmodifiedSince) {
        authorization.deleteRole(tenant, name, ifUnmodifiedSince);
    }

    @Override
    protected Map<String, Object> render(Resource role, String verb) {
        return SecaJson.globalResource(TYPE, role, verb);
    }
}
