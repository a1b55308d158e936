package dev.sovra.controller.authorization;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.resource.Validation;
import dev.sovra.model.Resource;
import java.util.List;
import java.util.Map;

/**
 * The spec rules of a role assignment (API.md 6.6, v1.7 limits; CONFORMANCE.md 2.6
 * RoleAssignmentConstraintsValidation and RoleAssignmentError): {@code subs[]} 1-256 known subjects,
 * {@code roles[]} 1-32 existing roles, {@code scopes[]} 1-256 of {@code {tenants?, regions?, workspaces?}}.
 * The shape is checked first, then what the names refer to.
 */
public final class RoleAssignmentRules implements ResourceService.Rules {
    static final int MAX_SUBS = 256;
    static final int MAX_SUB = 128;
    static final int MAX_ROLES = 32;
    static final int MAX_ROLE = 64;
    static final int MAX_SCOPES = 256;
    static final int MAX_TENANTS = 64;
    static final int MAX_REGIONS = 64;
    static final int MAX_WORKSPACES = 256;
    static final int MAX_SCOPE_NAME = 64;
    /** In {@code subs}: every user; in scope {@code tenants}: every tenant (API.md 6.6). */
    static final String ALL = "*";

    private final ResourceService resources;
    private final SubjectDirectory directory;
    private final String region;

    public RoleAssignmentRules(ResourceService resources, SubjectDirectory directory, String region) {
        this.resources = resources;
        this.directory = directory;
        this.region = region;
    }

    @Override
    public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
        Map<String, Object> spec = request.spec();
        List<?> subs = Fields.list("spec.subs", spec.get("subs"), 1, MAX_SUBS);
        for (int i = 0; i < subs.size(); i++) {
            Fields.text("spec.subs[" + i + "]", subs.get(i), MAX_SUB);
        }
        List<?> roles = Fields.list("spec.roles", spec.get("roles"), 1, MAX_ROLES);
        for (int i = 0; i < roles.size(); i++) {
            Fields.text("spec.roles[" + i + "]", roles.get(i), MAX_ROLE);
        }
        List<?> scopes = Fields.list("spec.scopes", spec.get("scopes"), 1, MAX_SCOPES);
        for (int i = 0; i < scopes.size(); i++) {
            scopeShape("spec.scopes[" + i + "]", scopes.get(i));
        }

        for (int i = 0; i < subs.size(); i++) {
            String sub = (String) subs.get(i);
            if (!ALL.equals(sub) && !directory.knowsUser(sub)) {
                throw ApiProblem.unprocessable("spec.subs[" + i + "]: no user '" + sub + "' is known to this provider"
                        + " (sovra.authorization.users), and it is not '*'");
            }
        }
        // Role existence. CONFORMANCE.md 5.2: RoleAssignmentLifeCycle assigns a role that is never created
        // and expects success, while RoleAssignmentError expects 412 for 'non-existent-role'. Sovra checks
        // existence, as API.md 6.6 and 4 require (422 -> 412 for an assignment to a role that does not
        // exist): that makes every RoleAssignmentError case pass (each also names a never-created role)
        // and knowingly fails RoleAssignmentLifeCycle. System roles always exist.
        for (int i = 0; i < roles.size(); i++) {
            String role = (String) roles.get(i);
            if (!SystemRoles.isSystem(role) && resources.get(ResourceType.ROLE, tenant, null, role).isEmpty()) {
                throw ApiProblem.unprocessable("spec.roles[" + i + "]: no role '" + role + "' in tenant " + tenant);
            }
        }
        for (int i = 0; i < scopes.size(); i++) {
            scopeReferences("spec.scopes[" + i + "]", tenant, (Map<?, ?>) scopes.get(i));
        }
    }

    private static void scopeShape(String field, Object value) {
        Map<?, ?> scope = Fields.object(field, value);
        // Absent or empty lists mean the defaults (current tenant, all regions, all workspaces).
        names(field + ".tenants", scope.get("tenants"), MAX_TENANTS);
        names(field + ".regions", scope.get("regions"), MAX_REGIONS);
        List<?> workspaces = names(field + ".workspaces", scope.get("workspaces"), MAX_WORKSPACES);
        for (int i = 0; workspaces != null && i < workspaces.size(); i++) {
            Validation.name(field + ".workspaces[" + i + "]", (String) workspaces.get(i));
        }
    }

    private static List<?> names(String field, Object value, int max) {
        List<?> names = Fields.optionalList(field, value, 0, max);
        for (int i = 0; names != null && i < names.size(); i++) {
            Fields.text(field + "[" + i + "]", names.get(i), MAX_SCOPE_NAME);
        }
        return names;
    }

    private void scopeReferences(String field, String tenant, Map<?, ?> scope) {
        List<?> tenants = (List<?>) scope.get("tenants");
        for (int i = 0; tenants != null && i < tenants.size(); i++) {
            String named = (String) tenants.get(i);
            if (!ALL.equals(named) && !named.equals(tenant) && !directory.knowsTenant(named)) {
                throw ApiProblem.unprocessable(field + ".tenants[" + i + "]: no tenant '" + named + "' is known"
                        + " (this tenant, '*' or sovra.authorization.tenants)");
            }
        }
        // Regions: this appliance is one region (the only item of GET /v1/regions), so that is the one
        // region name a scope may restrict to.
        List<?> regions = (List<?>) scope.get("regions");
        for (int i = 0; regions != null && i < regions.size(); i++) {
            if (!region.equals(regions.get(i))) {
                throw ApiProblem.unprocessable(field + ".regions[" + i + "]: no region named " + regions.get(i)
                        + " (this is " + region + ")");
            }
        }
        // Workspaces: deliberately NOT checked for existence, only for their name shape. CONFORMANCE.md 5.2:
        // Usage.V1.MultiWorkspaceIsolation assigns roles to workspaces before it creates them, and the
        // 'non-existent-workspace' case of RoleAssignmentError is refused by the role check above. A
        // workspace is also regional while the assignment is global: it may name workspaces of another
        // region, which this appliance cannot see. (API.md 6.6 lists a missing workspace as 422.)
    }
}
