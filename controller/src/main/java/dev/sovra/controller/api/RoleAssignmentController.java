package dev.sovra.controller.api;

import dev.sovra.controller.authorization.AuthorizationService;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.Map;

/**
 * seca.authorization/v1 role assignments (global, tenant-level; metadata without region). Stored and
 * validated only: requests are not yet checked against assignments (RBAC enforcement comes later).
 */
@Controller("/providers/seca.authorization/v1/tenants/{tenant}/role-assignments")
public final class RoleAssignmentController extends TenantResourceController {
    private static final ResourceType TYPE = ResourceType.ROLE_ASSIGNMENT;

    private final AuthorizationService authorization;

    public RoleAssignmentController(ResourceService resources, AuthorizationService authorization) {
        super(resources);
        this.authorization = authorization;
    }

    @Override
    protected ResourceType type() {
        return TYPE;
    }

    @Override
    protected ResourceService.PutResult write(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince) {
        return authorization.putAssignment(tenant, name, request, ifUnmodifiedSince);
    }

    @Override
    protected void remove(String tenant, String name, Long ifUnmodifiedSince) {
        authorization.deleteAssignment(tenant, name, ifUnmodifiedSince);
    }

    @Override
    protected Map<String, Object> render(Resource assignment, String verb) {
        return SecaJson.globalResource(TYPE, assignment, verb);
    }
}
