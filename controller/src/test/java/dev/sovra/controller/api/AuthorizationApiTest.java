package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * seca.authorization/v1 over real HTTP on the real controller: roles and role assignments stored with
 * GlobalTenantResourceMetadata (no region), exact condition histories, every validation rule refused
 * with 412 and nothing written, role deletion pruning assignments, lists with labels/limit/skipToken.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationApiTest extends SecaApiTest {

    private static final String ROLES = "/providers/seca.authorization/v1/tenants/t1/roles";
    private static final String ASSIGNMENTS = "/providers/seca.authorization/v1/tenants/t1/role-assignments";
    private static final String USER1 = "user1@secapi.com";
    private static final String USER2 = "user2@secapi.com";

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("sovra.authorization.users", USER1 + "," + USER2, "sovra.authorization.tenants", "partner");
    }

    private static String write(Object value) throws IOException {
        return JSON.writeValueAsString(value);
    }

    private static Map<String, Object> permission(Object provider, Object resources, Object verbs) {
        Map<String, Object> permission = new LinkedHashMap<>();
        permission.put("provider", provider);
        permission.put("resources", resources);
        permission.put("verb", verbs);
        return permission;
    }

    private static Map<String, Object> imagePermission() {
        return permission("seca.storage/v1", List.of("images/image-1"), List.of("GET"));
    }

    private static String role(Object permissions) throws IOException {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("permissions", permissions);
        return write(Map.of("labels", Map.of("env", "conformance"), "spec", spec));
    }

    private static String assignment(Object subs, Object roles, Object scopes) throws IOException {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("subs", subs);
        spec.put("roles", roles);
        spec.put("scopes", scopes);
        return write(Map.of("labels", Map.of("env", "conformance"), "spec", spec));
    }

    private static List<String> repeat(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    private void createRole(String name) throws Exception {
        HttpResponse<String> created = call("PUT", ROLES + "/" + name, role(List.of(imagePermission())));
        assertEquals(201, created.statusCode(), created.body());
    }

    private static void assertGlobalMetadata(JsonNode metadata, String plural, String kind, String name, String verb) {
        assertEquals(name, metadata.get("name").asText());
        assertEquals("seca.authorization/v1", metadata.get("provider").asText());
        assertEquals(plural + "/" + name, metadata.get("resource").asText());
        assertEquals(verb, metadata.get("verb").asText());
        assertEquals("v1", metadata.get("apiVersion").asText());
        assertEquals(kind, metadata.get("kind").asText());
        assertEquals("seca.authorization/v1/tenants/t1/" + plural + "/" + name, metadata.get("ref").asText());
        assertEquals("t1", metadata.get("tenant").asText());
        assertNull(metadata.get("region"), "authorization resources are global: no region");
        assertNull(metadata.get("workspace"));
        assertTrue(metadata.get("resourceVersion").isNumber());
        assertFalse(metadata.get("createdAt").asText().isEmpty());
    }

    @Test
    void discoveryListsTheAuthorizationProvider() throws Exception {
        JsonNode endpoints = json(call("GET", "/.wellknown/secapi", null)).get("endpoints");
        assertEquals("seca.region/v1", endpoints.get(0).get("provider").asText());
        Map<String, String> urls = new LinkedHashMap<>();
        endpoints.forEach(e -> urls.put(e.get("provider").asText(), e.get("url").asText()));
        assertTrue(urls.get("seca.authorization/v1").endsWith("/providers/seca.authorization"), urls.toString());
        assertEquals(Set.of("seca.region/v1", "seca.authorization/v1"), urls.keySet());
        JsonNode role = json(call("GET", ROLES + "/none-yet", null));
        assertEquals("http://secapi.cloud/errors/resource-not-found", role.get("type").asText(), "the provider answers");
    }

    @Test
    void roleLifecycleRecordsEveryStateWithGlobalTenantMetadata() throws Exception {
        String body = write(Map.of("labels", Map.of("env", "development"), "annotations", Map.of("description", "d"),
                "spec", Map.of("permissions", List.of(imagePermission()))));
        HttpResponse<String> created = call("PUT", ROLES + "/role-life", body);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode role = json(created);
        assertGlobalMetadata(role.get("metadata"), "roles", "role", "role-life", "PUT");
        assertEquals(JSON.readTree(body).get("spec"), role.get("spec"), "the spec is echoed verbatim");
        assertEquals("development", role.get("labels").get("env").asText());
        assertEquals("d", role.get("annotations").get("description").asText());
        assertEquals("active", role.get("status").get("state").asText());
        assertEquals(List.of("active", "creating", "pending"), states(role));

        JsonNode fetched = json(call("GET", ROLES + "/role-life", null));
        assertGlobalMetadata(fetched.get("metadata"), "roles", "role", "role-life", "GET");
        assertEquals(List.of("active", "creating", "pending"), states(fetched));

        String update = role(List.of(permission("seca.storage/v1", List.of("images/image-1"), List.of("GET", "PUT"))));
        HttpResponse<String> updated = call("PUT", ROLES + "/role-life", update);
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals("active", json(updated).get("status").get("state").asText());
        assertEquals(2, json(updated).get("metadata").get("resourceVersion").asInt());
        fetched = json(call("GET", ROLES + "/role-life", null));
        assertEquals(List.of("active", "updating", "active", "creating", "pending"), states(fetched));
        assertEquals(JSON.readTree(update).get("spec"), fetched.get("spec"));
        assertEquals("conformance", fetched.get("labels").get("env").asText());

        assertEquals(202, call("DELETE", ROLES + "/role-life", null).statusCode());
        assertEquals(404, call("GET", ROLES + "/role-life", null).statusCode());
        assertEquals(404, call("DELETE", ROLES + "/role-life", null).statusCode());
    }

    @Test
    void roleAssignmentLifecycleRecordsEveryStateWithGlobalTenantMetadata() throws Exception {
        createRole("role-for-ra");
        String body = assignment(List.of(USER1), List.of("role-for-ra"), List.of(Map.of("tenants", List.of("t1"))));
        HttpResponse<String> created = call("PUT", ASSIGNMENTS + "/ra-life", body);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode assignment = json(created);
        assertGlobalMetadata(assignment.get("metadata"), "role-assignments", "role-assignment", "ra-life", "PUT");
        assertEquals(JSON.readTree(body).get("spec"), assignment.get("spec"));
        assertEquals(List.of("active", "creating", "pending"), states(assignment));

        String update = assignment(List.of(USER1, USER1), List.of("role-for-ra"), List.of(Map.of("tenants", List.of("t1"))));
        HttpResponse<String> updated = call("PUT", ASSIGNMENTS + "/ra-life", update);
        assertEquals(200, updated.statusCode(), updated.body());
        JsonNode fetched = json(call("GET", ASSIGNMENTS + "/ra-life", null));
        assertGlobalMetadata(fetched.get("metadata"), "role-assignments", "role-assignment", "ra-life", "GET");
        assertEquals(List.of("active", "updating", "active", "creating", "pending"), states(fetched));
        assertEquals(JSON.readTree(update).get("spec"), fetched.get("spec"), "subs are kept as sent, duplicates included");

        assertEquals(202, call("DELETE", ASSIGNMENTS + "/ra-life", null).statusCode());
        assertEquals(404, call("GET", ASSIGNMENTS + "/ra-life", null).statusCode());
        assertEquals(202, call("DELETE", ROLES + "/role-for-ra", null).statusCode());
        assertEquals(404, call("GET", ROLES + "/role-for-ra", null).statusCode());
    }

    @Test
    void clientMetadataIsIgnoredOnGlobalResources() throws Exception {
        String body = write(Map.of("metadata", Map.of("region", "elsewhere", "name", "other"),
                "spec", Map.of("permissions", List.of(imagePermission()))));
        HttpResponse<String> created = call("PUT", ROLES + "/role-meta", body);
        assertEquals(201, created.statusCode(), created.body());
        assertGlobalMetadata(json(created).get("metadata"), "roles", "role", "role-meta", "PUT");
    }

    @Test
    void everyRoleRuleIsEnforcedWithoutWritingAnything() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("role-provider-long", role(List.of(permission("p".repeat(65), List.of("images/x"), List.of("get")))));
        cases.put("role-resource-long", role(List.of(permission("seca.storage/v1", List.of("r".repeat(257)), List.of("get")))));
        cases.put("role-verb-long", role(List.of(permission("seca.storage/v1", List.of("images/x"), List.of("getting.")))));
        cases.put("role-no-permissions", role(List.of()));
        cases.put("role-permissions-missing", write(Map.of("spec", Map.of())));
        cases.put("role-too-many-permissions", role(IntStream.range(0, 257).mapToObj(i -> imagePermission()).toList()));
        cases.put("role-empty-provider", role(List.of(permission("", List.of("images/x"), List.of("get")))));
        cases.put("role-no-resources", role(List.of(permission("seca.storage/v1", List.of(), List.of("get")))));
        cases.put("role-too-many-resources", role(List.of(permission("seca.storage/v1", repeat("images/i", 257), List.of("get")))));
        cases.put("role-empty-resource", role(List.of(permission("seca.storage/v1", List.of(""), List.of("get")))));
        cases.put("role-resource-pattern", role(List.of(permission("seca.storage/v1", List.of("images//x"), List.of("get")))));
        cases.put("role-resource-space", role(List.of(permission("seca.storage/v1", List.of("images/a b"), List.of("get")))));
        cases.put("role-no-verbs", role(List.of(permission("seca.storage/v1", List.of("images/x"), List.of()))));
        cases.put("role-too-many-verbs", role(List.of(permission("seca.storage/v1", List.of("images/x"),
                IntStream.range(0, 17).mapToObj(i -> "get").toList()))));
        cases.put("role-empty-verb", role(List.of(permission("seca.storage/v1", List.of("images/x"), List.of("")))));
        cases.put("role-unknown-provider", role(List.of(permission("non-existent-provider", List.of("images/x"), List.of("get")))));
        cases.put("role-unversioned-provider", role(List.of(permission("seca.storage", List.of("images/x"), List.of("get")))));
        cases.put("role-connect", role(List.of(permission("seca.storage/v1", List.of("images/x"), List.of("CONNECT")))));
        cases.put("role-patch", role(List.of(permission("seca.storage/v1", List.of("images/x"), List.of("PATCH")))));
        cases.put("role-verb-not-string", role(List.of(permission("seca.storage/v1", List.of("images/x"), List.of(7)))));
        cases.put("role-permission-not-object", role(List.of("seca.storage/v1")));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertRefused(call("PUT", ROLES + "/" + c.getKey(), c.getValue()));
            assertEquals(404, call("GET", ROLES + "/" + c.getKey(), null).statusCode(), c.getKey() + " was not written");
        }
        String valid = role(List.of(imagePermission()));
        assertRefused(call("PUT", ROLES + "/" + "r".repeat(129), valid));
        assertRefused(call("PUT", ROLES + "/Invalid-Name-With-Uppercase", valid));
        assertRefused(call("PUT", ROLES + "/role-label", write(Map.of("labels", Map.of("k", "v".repeat(64)),
                "spec", Map.of("permissions", List.of(imagePermission()))))));
        assertRefused(call("PUT", ROLES + "/role-annotation", write(Map.of("annotations", Map.of("k", "v".repeat(1025)),
                "spec", Map.of("permissions", List.of(imagePermission()))))));
        assertRefused(call("PUT", ROLES + "/role-no-body", null));
        for (String name : List.of("role-label", "role-annotation", "role-no-body")) {
            assertEquals(404, call("GET", ROLES + "/" + name, null).statusCode(), name + " was not written");
        }

        String every = role(List.of(permission("seca.compute/v1", List.of("*", "instances/*", "tenants/t1/workspaces/w/instances/vm-1"),
                List.of("get", "list", "put", "delete", "post")), permission("seca.kubernetes/v1beta1", List.of("clusters/*"),
                List.of("Get"))));
        assertEquals(201, call("PUT", ROLES + "/role-every-verb", every).statusCode(), "all SECA verbs and patterns are accepted");
    }

    @Test
    void systemRolesCannotBeWrittenButCanBeAssigned() throws Exception {
        assertRefused(call("PUT", ROLES + "/seca.admin", role(List.of(imagePermission()))));
        assertRefused(call("DELETE", ROLES + "/seca.workspace-viewer", null));
        assertEquals(404, call("GET", ROLES + "/seca.admin", null).statusCode(), "nothing was stored under a system role name");
        HttpResponse<String> assigned = call("PUT", ASSIGNMENTS + "/ra-system",
                assignment(List.of(USER2), List.of("seca.admin", "seca.workspace-viewer"), List.of(Map.of())));
        assertEquals(201, assigned.statusCode(), assigned.body());
    }

    @Test
    void everyRoleAssignmentRuleIsEnforcedWithoutWritingAnything() throws Exception {
        createRole("ra-rules-role");
        List<String> roles = List.of("ra-rules-role");
        List<String> subs = List.of(USER1);
        List<Map<String, Object>> scopes = List.of(Map.of("tenants", List.of("t1")));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("ra-sub-long", assignment(List.of("s".repeat(129)), roles, scopes));
        cases.put("ra-role-long", assignment(subs, List.of("r".repeat(65)), scopes));
        cases.put("ra-tenant-long", assignment(subs, roles, List.of(Map.of("tenants", List.of("t".repeat(65))))));
        cases.put("ra-region-long", assignment(subs, roles, List.of(Map.of("regions", List.of("r".repeat(65))))));
        cases.put("ra-workspace-long", assignment(subs, roles, List.of(Map.of("workspaces", List.of("w".repeat(65))))));
        cases.put("ra-no-roles", assignment(subs, List.of(), scopes));
        cases.put("ra-too-many-roles", assignment(subs, IntStream.range(0, 33).mapToObj(i -> "ra-rules-role").toList(), scopes));
        cases.put("ra-empty-role", assignment(subs, List.of(""), scopes));
        cases.put("ra-no-subs", assignment(List.of(), roles, scopes));
        cases.put("ra-too-many-subs", assignment(IntStream.range(0, 257).mapToObj(i -> USER1).toList(), roles, scopes));
        cases.put("ra-empty-sub", assignment(List.of(""), roles, scopes));
        cases.put("ra-no-scopes", assignment(subs, roles, List.of()));
        cases.put("ra-too-many-scopes", assignment(subs, roles, IntStream.range(0, 257).mapToObj(i -> Map.of()).toList()));
        cases.put("ra-empty-tenant", assignment(subs, roles, List.of(Map.of("tenants", List.of("")))));
        cases.put("ra-too-many-tenants", assignment(subs, roles, List.of(Map.of("tenants",
                IntStream.range(0, 65).mapToObj(i -> "t1").toList()))));
        cases.put("ra-empty-region", assignment(subs, roles, List.of(Map.of("regions", List.of("")))));
        cases.put("ra-too-many-regions", assignment(subs, roles, List.of(Map.of("regions",
                IntStream.range(0, 65).mapToObj(i -> "region-1").toList()))));
        cases.put("ra-empty-workspace", assignment(subs, roles, List.of(Map.of("workspaces", List.of("")))));
        cases.put("ra-too-many-workspaces", assignment(subs, roles, List.of(Map.of("workspaces", repeat("ws-", 257)))));
        cases.put("ra-workspace-pattern", assignment(subs, roles, List.of(Map.of("workspaces", List.of("Bad_Workspace")))));
        cases.put("ra-non-existent-role", assignment(subs, List.of("non-existent-role"), scopes));
        cases.put("ra-non-existent-tenant", assignment(subs, roles, List.of(Map.of("tenants", List.of("non-existent-tenant")))));
        cases.put("ra-non-existent-region", assignment(subs, roles,
                List.of(Map.of("tenants", List.of("t1"), "regions", List.of("non-existent-region")))));
        cases.put("ra-non-existent-sub", assignment(List.of("non-existent-sub@example.com"), roles, scopes));
        cases.put("ra-missing-subs", write(Map.of("spec", Map.of("roles", roles, "scopes", scopes))));
        cases.put("ra-scope-not-object", assignment(subs, roles, List.of("t1")));
        cases.put("ra-subs-not-array", assignment(USER1, roles, scopes));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertRefused(call("PUT", ASSIGNMENTS + "/" + c.getKey(), c.getValue()));
            assertEquals(404, call("GET", ASSIGNMENTS + "/" + c.getKey(), null).statusCode(), c.getKey() + " was not written");
        }
        String valid = assignment(subs, roles, scopes);
        assertRefused(call("PUT", ASSIGNMENTS + "/" + "a".repeat(129), valid));
        assertRefused(call("PUT", ASSIGNMENTS + "/Invalid-Name-With-Uppercase", valid));
        assertRefused(call("PUT", ASSIGNMENTS + "/ra-label", write(Map.of("labels", Map.of("k", "v".repeat(64)),
                "spec", JSON.readValue(valid, Map.class).get("spec")))));
        assertRefused(call("PUT", ASSIGNMENTS + "/ra-annotation", write(Map.of("annotations", Map.of("k", "v".repeat(1025)),
                "spec", JSON.readValue(valid, Map.class).get("spec")))));
        assertEquals(404, call("GET", ASSIGNMENTS + "/ra-label", null).statusCode());
        assertEquals(404, call("GET", ASSIGNMENTS + "/ra-annotation", null).statusCode());
    }

    @Test
    void scopesMayNameEveryTenantKnownTenantsThisRegionAndWorkspacesNotCreatedYet() throws Exception {
        createRole("scope-role");
        String body = assignment(List.of("*", USER2), List.of("scope-role"), List.of(
                Map.of("tenants", List.of("*")),
                Map.of("tenants", List.of("t1", "partner"), "regions", List.of("region-1")),
                Map.of("workspaces", List.of("not-yet-a", "not-yet-b")),
                Map.of()));
        HttpResponse<String> created = call("PUT", ASSIGNMENTS + "/ra-scopes", body);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(JSON.readTree(body).get("spec"), json(created).get("spec"));
    }

    @Test
    void deletingARoleRemovesItFromAssignmentsButKeepsThem() throws Exception {
        createRole("prune-a");
        createRole("prune-b");
        assertEquals(201, call("PUT", ASSIGNMENTS + "/ra-prune",
                assignment(List.of(USER1), List.of("prune-a", "prune-b"), List.of(Map.of()))).statusCode());

        assertEquals(202, call("DELETE", ROLES + "/prune-a", null).statusCode());
        JsonNode assignment = json(call("GET", ASSIGNMENTS + "/ra-prune", null));
        assertEquals(List.of("prune-b"), JSON.convertValue(assignment.get("spec").get("roles"), List.class));
        assertEquals(List.of("active", "updating", "active", "creating", "pending"), states(assignment));
        assertEquals(USER1, assignment.get("spec").get("subs").get(0).asText(), "the rest of the spec is untouched");
        assertEquals("conformance", assignment.get("labels").get("env").asText());

        assertEquals(202, call("DELETE", ROLES + "/prune-b", null).statusCode());
        assignment = json(call("GET", ASSIGNMENTS + "/ra-prune", null));
        assertEquals(0, assignment.get("spec").get("roles").size(), "the assignment stays, with no roles");
        assertEquals("active", assignment.get("status").get("state").asText());
    }

    @Test
    void listsFilterByLabelsAndPageToTheEnd() throws Exception {
        for (int i = 0; i < 4; i++) {
            String labels = i % 2 == 0 ? "conformance" : "other";
            assertEquals(201, call("PUT", ROLES + "/list-role-" + i, write(Map.of("labels", Map.of("env", labels, "tier", "a"),
                    "spec", Map.of("permissions", List.of(imagePermission()))))).statusCode());
            assertEquals(201, call("PUT", ASSIGNMENTS + "/list-ra-" + i, write(Map.of("labels", Map.of("env", labels, "tier", "a"),
                    "spec", Map.of("subs", List.of(USER1), "roles", List.of("list-role-" + i), "scopes", List.of(Map.of())))))
                    .statusCode());
        }
        for (String[] collection : List.of(new String[] {ROLES, "roles", "list-role-"},
                new String[] {ASSIGNMENTS, "role-assignments", "list-ra-"})) {
            JsonNode all = json(call("GET", collection[0], null));
            assertEquals("seca.authorization/v1", all.get("metadata").get("provider").asText());
            assertEquals(collection[1], all.get("metadata").get("resource").asText());
            assertEquals("GET", all.get("metadata").get("verb").asText());
            assertNull(all.get("metadata").get("skipToken"));
            all.get("items").forEach(item -> assertNull(item.get("metadata").get("region")));

            JsonNode filtered = json(call("GET", collection[0] + "?labels=env=conformance,tier=a", null));
            Set<String> names = new HashSet<>();
            filtered.get("items").forEach(item -> names.add(item.get("metadata").get("name").asText()));
            assertEquals(Set.of(collection[2] + "0", collection[2] + "2"), names.stream()
                    .filter(n -> n.startsWith(collection[2])).collect(Collectors.toSet()));

            List<String> paged = new ArrayList<>();
            String next = "";
            int pages = 0;
            do {
                JsonNode page = json(call("GET", collection[0] + "?limit=1&labels=tier=a" + next, null));
                assertTrue(page.get("items").size() <= 1);
                page.get("items").forEach(item -> paged.add(item.get("metadata").get("name").asText()));
                JsonNode skip = page.get("metadata").get("skipToken");
                next = skip == null ? null : "&skipToken=" + skip.asText();
                pages++;
            } while (next != null && pages < 100);
            assertEquals(List.of(collection[2] + "0", collection[2] + "1", collection[2] + "2", collection[2] + "3"), paged,
                    "pages cover the collection once, in order, and end without a skipToken");
            assertEquals(400, call("GET", collection[0] + "?limit=0", null).statusCode());
        }
    }
}
