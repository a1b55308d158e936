package dev.sovra.controller.authorization;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes of seca.authorization/v1 roles and role assignments. Both are global, tenant-level records
 * realised at once by {@link ResourceService} (pending, creating, active on create; updating, active on
 * update). Reads go straight to {@link ResourceService}. RBAC enforcement is not part of this class.
 */
public final class AuthorizationService {
    private static final Logger log = LoggerFactory.getLogger(AuthorizationService.class);
    private static final int STRIP_ATTEMPTS = 10;
    /** Rules for the service's own rewrites of an assignment, whose spec was validated when it was written. */
    private static final ResourceService.Rules NO_RULES = (tenant, workspace, request, existing) -> {};

    private final ResourceService resources;
    private final RoleRules roleRules;
    private final RoleAssignmentRules assignmentRules;

    public AuthorizationService(ResourceService resources, SubjectDirectory directory, String region) {
        this.resources = resources;
        this.roleRules = new RoleRules();
        this.assignmentRules = new RoleAssignmentRules(resources, directory, region);
    }

    public ResourceService.PutResult putRole(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince) {
        refuseSystemRole(name, "replaced");
        return resources.put(ResourceType.ROLE, tenant, null, name, global(request), ifUnmodifiedSince, roleRules);
    }

    /**
     * Deletes a role, then removes its name from every role assignment of the tenant (API.md 6.6); the
     * assignments themselves stay, even when their role list becomes empty. Each such removal is an
     * update of the assignment (resourceVersion, updating/active conditions).
     */
    public void deleteRole(String tenant, String name, Long ifUnmodifiedSince) {
        refuseSystemRole(name, "deleted");
        resources.delete(ResourceType.ROLE, tenant, null, name, ifUnmodifiedSince, NO_RULES);
        for (Resource assignment : resources.all(ResourceType.ROLE_ASSIGNMENT, tenant, null)) {
            if (roles(assignment).contains(name)) {
                stripRole(tenant, assignment.name(), name);
            }
        }
    }

    public ResourceService.PutResult putAssignment(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince) {
        return resources.put(ResourceType.ROLE_ASSIGNMENT, tenant, null, name, global(request), ifUnmodifiedSince, assignmentRules);
    }

    public void deleteAssignment(String tenant, String name, Long ifUnmodifiedSince) {
        resources.delete(ResourceType.ROLE_ASSIGNMENT, tenant, null, name, ifUnmodifiedSince, NO_RULES);
    }

    /**
     * Rewrites one assignment without {@code role}, guarded by its resourceVersion so that a concurrent
     * client update is never overwritten with a stale spec: on a version mismatch it reads again.
     * An assignment written concurrently with the role's deletion may keep the name; RBAC evaluation must
     * ignore roles that do not exist anyway.
     */
    private void stripRole(String tenant, String assignmentName, String role) {
        for (int attempt = 0; attempt < STRIP_ATTEMPTS; attempt++) {
            Optional<Resource> current = resources.get(ResourceType.ROLE_ASSIGNMENT, tenant, null, assignmentName);
            if (current.isEmpty() || current.get().metadata().deleting() || !roles(current.get()).contains(role)) {
                return;
            }
            Resource assignment = current.get();
            Map<String, Object> spec = new LinkedHashMap<>(assignment.spec());
            List<Object> remaining = new ArrayList<>(roles(assignment));
            remaining.removeIf(role::equals);
            spec.put("roles", remaining);
            ResourceRequest request = new ResourceRequest(assignment.labels(), assignment.annotations(), assignment.extensions(),
                    null, spec);
            try {
                resources.put(ResourceType.ROLE_ASSIGNMENT, tenant, null, assignmentName, request,
                        assignment.metadata().resourceVersion(), NO_RULES);
                log.info("role-assignment updated ref={} removed-role={}",
                        ResourceType.ROLE_ASSIGNMENT.path(tenant, null, assignmentName), role);
                return;
            } catch (ApiProblem e) {
                if (e.status() == 404) {
                    return;
                }
                if (!e.type().endsWith("/precondition-failed")) {
                    throw e;
                }
            }
        }
        log.warn("role-assignment kept deleted role ref={} role={}: it kept changing",
                ResourceType.ROLE_ASSIGNMENT.path(tenant, null, assignmentName), role);
    }

    private static List<?> roles(Resource assignment) {
        return assignment.spec().get("roles") instanceof List<?> roles ? roles : List.of();
    }

    /** Metadata of a global resource is ignored, including any region the client put in it. */
    private static ResourceRequest global(ResourceRequest request) {
        return new ResourceRequest(request.labels(), request.annotations(), request.extensions(), null, request.spec());
    }

    private static void refuseSystemRole(String name, String what) {
        if (SystemRoles.isSystem(name)) {
            throw ApiProblem.conflict("role " + name + " is a SECA system role and cannot be " + what);
        }
    }
}
