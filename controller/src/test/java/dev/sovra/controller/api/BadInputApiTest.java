package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpMethod;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.web.router.Router;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input on every SECA PUT route the controller serves, generated from one valid body per route: broken
 * envelopes, every spec field removed, nulled, of the wrong JSON type, empty, huge, out of range or pointing
 * at something missing or foreign, bad labels and annotations, bad path names, unknown versions and methods.
 * Each case must be refused with a 4xx SECA problem body (never a 5xx, never a leaked parser message), a
 * refused create must leave nothing behind and a refused update must leave the resource as it was. The
 * cases a route legitimately accepts are listed in {@link #ACCEPTED} with the reason, so every other
 * acceptance is a failure.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputApiTest extends SecaApiTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** What a problem detail must never show: parser, framework or JVM internals. */
    private static final Pattern LEAK = Pattern.compile(
            "com\\.fasterxml|io\\.micronaut|java\\.|javax\\.|dev\\.sovra|Exception|at \\[Source|line: \\d|\\bclass\\b");
    private static final String HUGE_TEXT = "x".repeat(10_000);
    private static final String SKU = "seca.network/v1/tenants/%s/skus/";

    @Inject
    Router router;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("sovra.authorization.users", "operator,user1", "sovra.network.public-ip-pool", "203.0.113.0/26");
    }

    /** One PUT route: its template, what must exist before it, and a body it accepts. */
    private record Route(String template, List<String[]> setup, String body) {}

    /** The resource kinds of the table, in its order. */
    private static final List<String> KINDS = List.of("workspace", "role", "role-assignment", "block-storage", "image", "instance",
            "network", "route-table", "subnet", "internet-gateway", "security-group-rule", "security-group", "nic", "public-ip");

    /**
     * Mutations a route accepts, by design, as "kind | create case" and "kind | update case" (a case without
     * "create "/"update " stands for both). Anything a route accepts that is not here is a failure, and anything
     * here that is refused is one too, so the list stays exact.
     */
    private static final Set<String> ACCEPTED = accepted(Map.ofEntries(
            // Every kind. Decision where the spec is silent: unknown spec fields are kept as sent (forward compatible,
            // never read). Known gap, not a decision: the JSON reader stops after the first document, ignoring the rest.
            Map.entry("*", List.of("spec unknown field", "body two documents")),
            // A workspace's spec is free-form and optional: no body, a null body or no spec make an empty workspace.
            Map.entry("workspace", List.of("body JSON null", "body empty", "spec removed", "spec null")),
            // Roles and role assignments are global: their metadata has no region, so a region sent is ignored like
            // the rest of the metadata. Permission resources are patterns, not references: any well-formed pattern
            // (names of other kinds, tenants, workspaces, things not yet created) is a valid grant.
            Map.entry("role", List.of("metadata.region another region", "metadata.region a number",
                    "spec.permissions.0.resources.0 unknown value", "spec.permissions.0.resources.0 reference to a missing resource",
                    "spec.permissions.0.resources.0 reference into another tenant",
                    "spec.permissions.0.resources.0 reference into another workspace",
                    "spec.permissions.0.resources.0 reference to another kind",
                    "spec.permissions.0.resources.0 reference with an upper-case name")),
            // Scope lists are optional (absent = this tenant, every region, every workspace); workspace names are
            // checked for shape only (AuthorizationService: the suite assigns roles before creating workspaces).
            Map.entry("role-assignment", List.of("metadata.region another region", "metadata.region a number",
                    "spec.scopes.0.tenants removed", "spec.scopes.0.tenants null", "spec.scopes.0.regions removed",
                    "spec.scopes.0.regions null", "spec.scopes.0.workspaces removed", "spec.scopes.0.workspaces null",
                    "spec.scopes.0.workspaces.0 unknown value")),
            // A volume may start empty; once made, its source image is immutable (so only a create may drop it).
            Map.entry("block-storage", List.of("create spec.sourceImageRef removed", "create spec.sourceImageRef null")),
            // boot and initializer default to UEFI and none (v1.7).
            Map.entry("image", List.of("spec.boot removed", "spec.boot null", "spec.initializer removed", "spec.initializer null")),
            // Optional fields; SSH keys, anti-affinity group and user data are free text within their limits.
            Map.entry("instance", List.of("spec.dataVolumes removed", "spec.dataVolumes null", "spec.primaryNicRef removed",
                    "spec.primaryNicRef null", "spec.securityGroupRef removed", "spec.securityGroupRef null", "spec.sshKeys removed",
                    "spec.sshKeys null", "spec.sshKeys.0 unknown value", "spec.sshKeys.0 unicode", "spec.antiAffinityGroup removed",
                    "spec.antiAffinityGroup null", "spec.antiAffinityGroup empty", "spec.antiAffinityGroup unknown value",
                    "spec.antiAffinityGroup unicode", "spec.userData removed", "spec.userData null", "spec.userData empty",
                    "spec.userData 10000 characters", "spec.userData unknown value", "spec.userData unicode")),
            // egressOnly defaults to false (v1.7).
            Map.entry("internet-gateway", List.of("spec.egressOnly removed", "spec.egressOnly null")),
            // Everything but the direction is optional ("" counts as unset, as the suite sends it); a source group may
            // be created after the rule (until then it has no members, so it admits nothing).
            Map.entry("security-group-rule", List.of("spec.version removed", "spec.version null", "spec.version empty",
                    "spec.protocol removed", "spec.protocol null", "spec.protocol empty", "spec.ports removed", "spec.ports null",
                    "spec.ports.from removed", "spec.ports.from null", "spec.ports.to removed", "spec.ports.to null",
                    "spec.ports.list removed", "spec.ports.list null", "spec.sourceRef removed", "spec.sourceRef null",
                    "spec.sourceRef.1.resource reference to a missing resource")),
            // Both lists are optional, as are an inline rule's protocol and ICMP match; ICMP type and code 0 are valid.
            Map.entry("security-group", List.of("spec.rules removed", "spec.rules null", "spec.rules.0.protocol removed",
                    "spec.rules.0.protocol null", "spec.rules.0.protocol empty", "spec.rules.0.icmp removed", "spec.rules.0.icmp null",
                    "spec.rules.0.icmp.type 0", "spec.rules.0.icmp.code 0", "spec.ruleRefs removed", "spec.ruleRefs null")),
            // Addresses are allocated when absent; the lists are optional; a public IP may be created after its NIC
            // (NicRules: the suite's lifecycle does so, CONFORMANCE.md 5.2).
            Map.entry("nic", List.of("spec.addresses removed", "spec.addresses null", "spec.publicIpRefs removed",
                    "spec.publicIpRefs null", "spec.publicIpRefs.0.resource reference to a missing resource",
                    "spec.securityGroupRefs removed", "spec.securityGroupRefs null")),
            // Without an address (or with ""), one is allocated from the pool.
            Map.entry("public-ip", List.of("spec.address removed", "spec.address null", "spec.address empty"))));

    private static Set<String> accepted(Map<String, List<String>> byKind) {
        Set<String> keys = new TreeSet<>();
        byKind.forEach((kind, cases) -> {
            for (String k : kind.equals("*") ? KINDS : List.of(kind)) {
                for (String c : cases) {
                    if (c.startsWith("create ") || c.startsWith("update ")) {
                        keys.add(k + " | " + c);
                    } else {
                        keys.add(k + " | create " + c);
                        keys.add(k + " | update " + c);
                    }
                }
            }
        });
        return keys;
    }

    private static String ws(String tenant) {
        return "/providers/seca.workspace/v1/tenants/" + tenant + "/workspaces/ws";
    }

    private static String net(String tenant) {
        return "/providers/seca.network/v1/tenants/" + tenant + "/workspaces/ws/";
    }

    private static String storage(String tenant) {
        return "/providers/seca.storage/v1/tenants/" + tenant + "/workspaces/ws/";
    }

    private static String[] put(String path, String body) {
        return new String[] {path, body};
    }

    /** Network net (10.1.0.0/16), internet gateway igw, route table rt and subnet sn (10.1.1.0/24) in workspace ws. */
    private static List<String[]> networkStack(String t) {
        List<String[]> steps = new ArrayList<>();
        steps.add(put(ws(t), "{\"spec\":{}}"));
        steps.add(put(net(t) + "networks/net", "{\"spec\":{\"cidr\":{\"ipv4\":\"10.1.0.0/16\"},\"skuRef\":\"skus/seca.n1k\"}}"));
        steps.add(put(net(t) + "internet-gateways/igw", "{\"spec\":{\"egressOnly\":false}}"));
        steps.add(put(net(t) + "networks/net/route-tables/rt",
                "{\"spec\":{\"routes\":[{\"destinationCidrBlock\":\"0.0.0.0/0\",\"targetRef\":\"internet-gateways/igw\"}]}}"));
        steps.add(put(net(t) + "networks/net/subnets/sn",
                "{\"spec\":{\"cidr\":{\"ipv4\":\"10.1.1.0/24\"},\"zone\":\"a\",\"routeTableRef\":\"networks/net/route-tables/rt\"}}"));
        return steps;
    }

    /** Every PUT route with its tenant (one per route) and a body that uses every field the route checks. */
    private Map<String, Route> routes() {
        Map<String, Route> routes = new LinkedHashMap<>();
        String p = "/providers/";
        routes.put("workspace", new Route(p + "seca.workspace/v1/tenants/{tenant}/workspaces/{name}", List.of(),
                "{\"labels\":{\"env\":\"bad-input\"},\"annotations\":{\"note\":\"n\"},\"spec\":{}}"));
        routes.put("role", new Route(p + "seca.authorization/v1/tenants/{tenant}/roles/{name}", List.of(),
                "{\"labels\":{\"env\":\"bad-input\"},\"spec\":{\"permissions\":[{\"provider\":\"seca.storage/v1\","
                        + "\"resources\":[\"images/image-1\"],\"verb\":[\"get\",\"put\"]}]}}"));
        routes.put("role-assignment", new Route(p + "seca.authorization/v1/tenants/{tenant}/role-assignments/{name}",
                List.<String[]>of(put(p + "seca.authorization/v1/tenants/T/roles/reader",
                        "{\"spec\":{\"permissions\":[{\"provider\":\"seca.storage/v1\",\"resources\":[\"*\"],\"verb\":[\"get\"]}]}}")),
                "{\"spec\":{\"subs\":[\"user1\"],\"roles\":[\"reader\"],\"scopes\":[{\"tenants\":[\"T\"],\"regions\":[\"region-1\"],"
                        + "\"workspaces\":[\"ws\"]}]}}"));
        routes.put("block-storage", new Route(p + "seca.storage/v1/tenants/{tenant}/workspaces/{workspace}/block-storages/{name}",
                List.of(put(ws("T"), "{\"spec\":{}}"), put(storage("T") + "block-storages/src", "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}"),
                        put(p + "seca.storage/v1/tenants/T/images/img", "{\"spec\":{\"blockStorageRef\":\"workspaces/ws/block-storages/src\","
                                + "\"cpuArchitecture\":\"amd64\"}}")),
                "{\"spec\":{\"skuRef\":{\"resource\":\"skus/seca.rd100\"},\"sizeGB\":2,\"sourceImageRef\":{\"resource\":\"images/img\"}}}"));
        routes.put("image", new Route(p + "seca.storage/v1/tenants/{tenant}/images/{name}",
                List.of(put(ws("T"), "{\"spec\":{}}"), put(storage("T") + "block-storages/src", "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}")),
                "{\"spec\":{\"blockStorageRef\":{\"resource\":\"workspaces/ws/block-storages/src\"},\"cpuArchitecture\":\"amd64\","
                        + "\"boot\":\"UEFI\",\"initializer\":\"none\"}}"));
        List<String[]> instanceSetup = new ArrayList<>(networkStack("T"));
        instanceSetup.add(put(storage("T") + "block-storages/boot", "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}"));
        instanceSetup.add(put(storage("T") + "block-storages/data", "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}"));
        instanceSetup.add(put(net("T") + "nics/nic", "{\"spec\":{\"subnetRef\":\"networks/net/subnets/sn\"}}"));
        instanceSetup.add(put(net("T") + "security-groups/sg", "{\"spec\":{\"rules\":[{\"direction\":\"ingress\"}]}}"));
        routes.put("instance", new Route(p + "seca.compute/v1/tenants/{tenant}/workspaces/{workspace}/instances/{name}", instanceSetup,
                "{\"spec\":{\"skuRef\":{\"resource\":\"skus/seca.d2xs\"},\"zone\":\"a\","
                        + "\"bootVolume\":{\"deviceRef\":{\"resource\":\"block-storages/boot\"}},"
                        + "\"dataVolumes\":[{\"deviceRef\":{\"resource\":\"block-storages/data\"}}],"
                        + "\"primaryNicRef\":{\"resource\":\"nics/nic\"},\"securityGroupRef\":{\"resource\":\"security-groups/sg\"},"
                        + "\"sshKeys\":[\"ssh-ed25519 AAAAC3Nza\"],\"antiAffinityGroup\":\"g1\",\"userData\":\"I2Nsb3VkLWNvbmZpZw==\"}}"));
        routes.put("network", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/networks/{name}",
                List.<String[]>of(put(ws("T"), "{\"spec\":{}}")),
                "{\"spec\":{\"cidr\":{\"ipv4\":\"10.2.0.0/16\"},\"skuRef\":{\"resource\":\"skus/seca.n1k\"}}}"));
        List<String[]> withNetwork = networkStack("T").subList(0, 3);
        routes.put("route-table", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/networks/{network}/route-tables/{name}",
                withNetwork, "{\"spec\":{\"routes\":[{\"destinationCidrBlock\":\"0.0.0.0/0\","
                        + "\"targetRef\":{\"resource\":\"internet-gateways/igw\"}}]}}"));
        routes.put("subnet", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/networks/{network}/subnets/{name}",
                networkStack("T").subList(0, 4), "{\"spec\":{\"cidr\":{\"ipv4\":\"10.1.2.0/24\"},\"zone\":\"a\","
                        + "\"routeTableRef\":{\"resource\":\"networks/net/route-tables/rt\"}}}"));
        routes.put("internet-gateway", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/internet-gateways/{name}",
                List.<String[]>of(put(ws("T"), "{\"spec\":{}}")), "{\"spec\":{\"egressOnly\":false}}"));
        routes.put("security-group-rule", new Route(
                p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/security-group-rules/{name}",
                List.<String[]>of(put(ws("T"), "{\"spec\":{}}")),
                "{\"spec\":{\"direction\":\"ingress\",\"version\":\"IPv4\",\"protocol\":\"tcp\",\"ports\":{\"from\":22,\"to\":23,"
                        + "\"list\":[80]},\"sourceRef\":[\"10.0.0.0/8\",{\"resource\":\"security-groups/sg\"}]}}"));
        routes.put("security-group", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/security-groups/{name}",
                List.of(put(ws("T"), "{\"spec\":{}}"), put(net("T") + "security-group-rules/r1", "{\"spec\":{\"direction\":\"egress\"}}")),
                "{\"spec\":{\"rules\":[{\"direction\":\"ingress\",\"protocol\":\"icmp\",\"icmp\":{\"type\":8,\"code\":0}}],"
                        + "\"ruleRefs\":[{\"resource\":\"security-group-rules/r1\"}]}}"));
        List<String[]> nicSetup = new ArrayList<>(networkStack("T"));
        nicSetup.add(put(net("T") + "public-ips/pip", "{\"spec\":{\"version\":\"IPv4\"}}"));
        nicSetup.add(put(net("T") + "security-groups/sg", "{\"spec\":{\"rules\":[{\"direction\":\"ingress\"}]}}"));
        routes.put("nic", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/nics/{name}", nicSetup,
                "{\"spec\":{\"subnetRef\":{\"resource\":\"networks/net/subnets/sn\"},\"addresses\":[\"10.1.1.10\"],"
                        + "\"publicIpRefs\":[{\"resource\":\"public-ips/pip\"}],\"securityGroupRefs\":[{\"resource\":\"security-groups/sg\"}]}}"));
        routes.put("public-ip", new Route(p + "seca.network/v1/tenants/{tenant}/workspaces/{workspace}/public-ips/{name}",
                List.<String[]>of(put(ws("T"), "{\"spec\":{}}")), "{\"spec\":{\"version\":\"IPv4\",\"address\":\"203.0.113.9\"}}"));
        return routes;
    }

    @Test
    void everyPutRouteRefusesBadInputWithAProblemAndWritesNothing() throws Exception {
        Map<String, Route> routes = routes();
        Set<String> served = router.uriRoutes().filter(r -> r.getHttpMethod() == HttpMethod.PUT)
                .map(r -> r.getUriMatchTemplate().toString()).filter(t -> t.startsWith("/providers/"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = routes.values().stream().map(Route::template).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(served, covered, "every served SECA PUT route has a row in the bad-input table");

        assertEquals(KINDS, List.copyOf(routes.keySet()), "ACCEPTED knows every kind");

        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        Set<String> acceptedSeen = new ConcurrentSkipListSet<>();
        send("GET", "/health", null, null, null); // mints the token before the routes run in parallel
        // Routes are independent (a tenant each), so they run side by side; cases within a route run in order.
        ExecutorService workers = Executors.newFixedThreadPool(4);
        List<Future<int[]>> runs = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, Route> entry : routes.entrySet()) {
            String tenant = "bi" + index++;
            runs.add(workers.submit(() -> {
                long started = System.nanoTime();
                int cases = new RouteRun(entry.getKey(), entry.getValue(), tenant, failures, acceptedSeen).all();
                return new int[] {cases, (int) ((System.nanoTime() - started) / 1_000_000)};
            }));
        }
        workers.shutdown();
        int total = 0;
        index = 0;
        for (Route route : routes.values()) {
            int[] run = runs.get(index++).get();
            total += run[0];
            System.out.printf("bad-input route=%s cases=%d millis=%d%n", route.template(), run[0], run[1]);
        }
        System.out.printf("bad-input routes=%d cases=%d failures=%d%n", routes.size(), total, failures.size());
        Set<String> unused = new TreeSet<>(ACCEPTED);
        unused.removeAll(acceptedSeen);
        unused.forEach(u -> failures.add("listed as accepted but refused: " + u));
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
    }

    /** One mutated request and what it must produce. */
    private record Case(String label, String method, String body, String contentType, String ifUnmodifiedSince, Set<Integer> statuses,
                        List<String> fieldNames) {}

    /** Runs every case of one route in its own tenant. */
    private final class RouteRun {
        private final String kind;
        private final Route route;
        private final String tenant;
        private final List<String> failures;
        private final Set<String> acceptedSeen;
        private final JsonNode valid;
        /** The live resource as last written by a valid PUT. */
        private JsonNode current;

        RouteRun(String kind, Route route, String tenant, List<String> failures, Set<String> acceptedSeen) throws Exception {
            this.kind = kind;
            this.route = route;
            this.tenant = tenant;
            this.failures = failures;
            this.acceptedSeen = acceptedSeen;
            this.valid = JSON.readTree(route.body().replace("\"T\"", "\"" + tenant + "\""));
        }

        String path(String name) {
            return path(route.template(), tenant, "ws", "net", name);
        }

        String path(String template, String t, String w, String n, String name) {
            return template.replace("{tenant}", t).replace("{workspace}", w).replace("{network}", n).replace("{name}", name);
        }

        String collection() {
            String path = path("x");
            return path.substring(0, path.length() - 2);
        }

        int all() throws Exception {
            for (String[] step : route.setup()) {
                HttpResponse<String> response = send("PUT", step[0].replace("/tenants/T/", "/tenants/" + tenant + "/"), step[1],
                        "application/json", null);
                assertTrue(response.statusCode() / 100 == 2, kind + " setup " + step[0] + ": " + response.body());
            }
            List<String> before = names();
            List<Case> bodyCases = bodyCases();
            Map<String, String> creates = new LinkedHashMap<>();
            // Creates first, on a fresh name each, while nothing of this kind exists that a case could collide with.
            for (Case c : bodyCases) {
                String name = "c" + creates.size();
                creates.put(name, c.label());
                create(c, name);
            }
            int count = creates.size();
            for (Case c : pathCases()) {
                pathCase(c);
                count++;
            }
            // Refused creates left nothing: every name a case used is absent from the list (and so from GET).
            List<String> after = names();
            after.removeAll(before);
            after.forEach(left -> failures.add(kind + ": create " + creates.getOrDefault(left, left) + ": refused but listed as " + left));
            HttpResponse<String> live = send("PUT", path("live"), valid.toString(), "application/json", null);
            assertEquals(201, live.statusCode(), kind + ": the valid body is accepted: " + live.body());
            current = json(live);
            for (Case c : bodyCases) {
                if (!c.label().startsWith("if-unmodified-since")) {
                    update(c);
                    count++;
                }
            }
            Case stale = new Case("if-unmodified-since stale", "PUT", valid.toString(), "application/json", "987654", Set.of(412), List.of());
            update(stale);
            Case notANumber = new Case("if-unmodified-since not a number", "PUT", valid.toString(), "application/json", "yesterday",
                    Set.of(400), List.of());
            update(notANumber);
            return count + 2 + otherOperations();
        }

        /** List, get, delete (and instance actions) with bad parameters: refused, and the live resource stays as it was. */
        int otherOperations() throws Exception {
            String live = path("live");
            List<Object[]> cases = new ArrayList<>();
            cases.add(new Object[] {"list limit not a number", "GET", collection() + "?limit=many", null, Set.of(400), List.of("limit")});
            cases.add(new Object[] {"list limit 0", "GET", collection() + "?limit=0", null, Set.of(400), List.of("limit")});
            cases.add(new Object[] {"list limit 10001", "GET", collection() + "?limit=10001", null, Set.of(400), List.of("limit")});
            cases.add(new Object[] {"list limit beyond int", "GET", collection() + "?limit=99999999999", null, Set.of(400), List.of("limit")});
            cases.add(new Object[] {"list skipToken not issued", "GET", collection() + "?skipToken=%25%25", null, Set.of(400),
                    List.of("skipToken")});
            cases.add(new Object[] {"list labels unreadable", "GET", collection() + "?labels=%3D", null, Set.of(400), List.of("labels")});
            cases.add(new Object[] {"get invalid name", "GET", path("UPPER"), null, Set.of(400, 404, 412), List.of()});
            cases.add(new Object[] {"delete missing", "DELETE", path("missing"), null, Set.of(404), List.of()});
            cases.add(new Object[] {"delete if-unmodified-since not a number", "DELETE", live, "yesterday", Set.of(400),
                    List.of("if-unmodified-since")});
            cases.add(new Object[] {"delete if-unmodified-since stale", "DELETE", live, "987654", Set.of(412), List.of()});
            if (route.template().contains("/instances/")) {
                cases.add(new Object[] {"start missing", "POST", path("missing") + "/start", null, Set.of(404), List.of()});
                cases.add(new Object[] {"start if-unmodified-since not a number", "POST", live + "/start", "yesterday", Set.of(400),
                        List.of("if-unmodified-since")});
                cases.add(new Object[] {"unknown action", "POST", live + "/explode", null, Set.of(404, 405), List.of()});
            }
            for (Object[] c : cases) {
                @SuppressWarnings("unchecked")
                Case operation = new Case((String) c[0], (String) c[1], null, null, (String) c[3], (Set<Integer>) c[4], (List<String>) c[5]);
                HttpResponse<String> response = send(operation.method(), (String) c[2], null, null, operation.ifUnmodifiedSince());
                if (judge(operation.label(), operation, response)) {
                    failures.add(kind + ": " + operation.label() + ": accepted");
                }
            }
            JsonNode after = json(send("GET", live, null, null, null));
            if (!current.get("metadata").get("resourceVersion").equals(after.path("metadata").path("resourceVersion"))) {
                failures.add(kind + ": refused operations changed the live resource: " + after);
            }
            return cases.size();
        }

        /** Names in the collection's list (the route's tenant only holds what this run made). */
        List<String> names() throws Exception {
            HttpResponse<String> list = send("GET", collection(), null, null, null);
            assertEquals(200, list.statusCode(), kind + " list: " + list.body());
            List<String> names = new ArrayList<>();
            json(list).get("items").forEach(item -> names.add(item.get("metadata").get("name").asText()));
            return names;
        }

        void create(Case c, String name) throws Exception {
            String path = path(name);
            HttpResponse<String> response = send(c.method(), path, c.body(), c.contentType(), c.ifUnmodifiedSince());
            if (judge("create " + c.label(), c, response)) {
                cleanUp(path);
            }
        }

        void update(Case c) throws Exception {
            String path = path("live");
            JsonNode before = current;
            HttpResponse<String> response = send(c.method(), path, c.body(), c.contentType(), c.ifUnmodifiedSince());
            if (judge("update " + c.label(), c, response)) {
                HttpResponse<String> restored = send("PUT", path, valid.toString(), "application/json", null);
                assertEquals(200, restored.statusCode(), kind + ": restore after " + c.label() + ": " + restored.body());
                current = json(restored);
                return;
            }
            JsonNode after = json(send("GET", path, null, null, null));
            if (!before.get("metadata").get("resourceVersion").equals(after.get("metadata").get("resourceVersion"))
                    || !before.get("spec").equals(after.get("spec")) || !before.get("labels").equals(after.get("labels"))) {
                failures.add(kind + ": update " + c.label() + ": refused but the resource changed: " + before + " -> " + after);
            }
        }

        /** A path case: its label is "what path", and the path is where the valid body goes. */
        void pathCase(Case c) throws Exception {
            HttpResponse<String> response = send(c.method(), c.label().substring(c.label().indexOf(' ') + 1), c.body(), c.contentType(), null);
            if (judge(c.label(), c, response)) {
                failures.add(kind + ": " + c.label() + ": accepted");
            }
        }

        /** Deletes what an acceptable case created and waits until it is gone (deletes may finish asynchronously). */
        void cleanUp(String path) throws Exception {
            send("DELETE", path, null, null, null);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (send("GET", path, null, null, null).statusCode() != 404) {
                assertTrue(System.nanoTime() < deadline, kind + ": " + path + " is not deleted");
                Thread.sleep(20);
            }
        }

        /**
         * Checks the answer; returns true if the case was accepted (and is listed as acceptable), false if
         * refused as it must be.
         */
        boolean judge(String label, Case c, HttpResponse<String> response) throws Exception {
            String key = kind + " | " + label;
            int status = response.statusCode();
            if (status / 100 == 2) {
                if (ACCEPTED.contains(key)) {
                    acceptedSeen.add(key);
                } else {
                    failures.add(key + ": accepted with " + status + " " + abbreviate(response.body()));
                }
                return true;
            }
            if (ACCEPTED.contains(key)) {
                return false; // reported as unused at the end
            }
            if (!c.statuses().contains(status)) {
                failures.add(key + ": status " + status + ", expected " + c.statuses() + ": " + abbreviate(response.body()));
            }
            String problemFault = problemFault(response, c.fieldNames());
            if (problemFault != null) {
                failures.add(key + ": " + problemFault);
            } else if (status == 412 && c.label().startsWith("spec.")) {
                // A refused spec field is pointed at (API.md 7: sources[].pointer), at it or at one of its parents.
                String pointer = json(response).path("sources").path(0).path("pointer").asText("");
                if (!pointer.startsWith("/spec/")) {
                    failures.add(key + ": no sources[].pointer into spec: " + abbreviate(response.body()));
                }
            }
            return false;
        }

        List<Case> bodyCases() {
            List<Case> cases = new ArrayList<>();
            String body = valid.toString();
            Set<Integer> malformed = Set.of(400);
            Set<Integer> refused = Set.of(412);
            cases.add(new Case("body not JSON", "PUT", "this is not json", "application/json", null, malformed, List.of()));
            cases.add(new Case("body truncated", "PUT", body.substring(0, body.length() / 2), "application/json", null, malformed, List.of()));
            cases.add(new Case("body a JSON array", "PUT", "[" + body + "]", "application/json", null, malformed, List.of()));
            cases.add(new Case("body a JSON number", "PUT", "42", "application/json", null, malformed, List.of()));
            cases.add(new Case("body a JSON string", "PUT", "\"spec\"", "application/json", null, malformed, List.of()));
            cases.add(new Case("body JSON null", "PUT", "null", "application/json", null, Set.of(400, 412), List.of()));
            cases.add(new Case("body empty", "PUT", "", "application/json", null, Set.of(400, 412), List.of()));
            cases.add(new Case("body two documents", "PUT", body + body, "application/json", null, malformed, List.of()));
            cases.add(new Case("content type text/plain", "PUT", body, "text/plain", null, Set.of(415), List.of()));
            cases.add(new Case("content type application/xml", "PUT", body, "application/xml", null, Set.of(415), List.of()));
            cases.add(new Case("unknown top-level field", "PUT", with(valid, "/surprise", NODES.numberNode(1)), "application/json", null,
                    malformed, List.of("surprise")));
            cases.add(new Case("POST instead of PUT", "POST", body, "application/json", null, Set.of(405), List.of()));
            cases.add(new Case("PATCH instead of PUT", "PATCH", body, "application/json", null, Set.of(405), List.of()));
            cases.add(new Case("if-unmodified-since on a missing resource", "PUT", body, "application/json", "1", Set.of(404, 412),
                    List.of()));
            // the envelope's maps
            for (String map : List.of("labels", "annotations", "extensions")) {
                cases.add(new Case(map + " an array", "PUT", with(valid, "/" + map, NODES.arrayNode().add("x")), "application/json", null,
                        malformed, List.of(map)));
                cases.add(new Case(map + " a string", "PUT", with(valid, "/" + map, NODES.textNode("x")), "application/json", null,
                        malformed, List.of(map)));
                cases.add(new Case(map + " value an object", "PUT", with(valid, "/" + map, NODES.objectNode().set("k", NODES.objectNode())),
                        "application/json", null, malformed, List.of(map)));
                cases.add(new Case(map + " value an array", "PUT", with(valid, "/" + map, NODES.objectNode().set("k", NODES.arrayNode())),
                        "application/json", null, malformed, List.of(map)));
                cases.add(new Case(map + " value a number", "PUT", with(valid, "/" + map, NODES.objectNode().put("k", 1)),
                        "application/json", null, Set.of(400, 412), List.of(map)));
                cases.add(new Case(map + " value null", "PUT", with(valid, "/" + map, NODES.objectNode().putNull("k")),
                        "application/json", null, Set.of(400, 412), List.of(map)));
                cases.add(new Case(map + " empty key", "PUT", with(valid, "/" + map, NODES.objectNode().put("", "v")),
                        "application/json", null, refused, List.of(map)));
                cases.add(new Case(map + " 10000-character value", "PUT", with(valid, "/" + map, NODES.objectNode().put("k", HUGE_TEXT)),
                        "application/json", null, refused, List.of(map)));
                cases.add(new Case(map + " 10000-character key", "PUT", with(valid, "/" + map, NODES.objectNode().put(HUGE_TEXT, "v")),
                        "application/json", null, refused, List.of(map)));
                ObjectNode many = NODES.objectNode();
                for (int i = 0; i < 65; i++) {
                    many.put("k" + i, "v");
                }
                cases.add(new Case(map + " 65 entries", "PUT", with(valid, "/" + map, many), "application/json", null, refused, List.of(map)));
            }
            cases.add(new Case("labels value 64 characters", "PUT", with(valid, "/labels", NODES.objectNode().put("k", "v".repeat(64))),
                    "application/json", null, refused, List.of("labels")));
            cases.add(new Case("annotations value 1025 characters", "PUT",
                    with(valid, "/annotations", NODES.objectNode().put("k", "v".repeat(1025))), "application/json", null, refused,
                    List.of("annotations")));
            // metadata and status are read-only: their shape must still be an object, the region must be this one
            cases.add(new Case("metadata a string", "PUT", with(valid, "/metadata", NODES.textNode("x")), "application/json", null,
                    malformed, List.of("metadata")));
            cases.add(new Case("metadata an array", "PUT", with(valid, "/metadata", NODES.arrayNode()), "application/json", null,
                    malformed, List.of("metadata")));
            cases.add(new Case("metadata.region another region", "PUT", with(valid, "/metadata", NODES.objectNode().put("region", "elsewhere")),
                    "application/json", null, refused, List.of("region")));
            cases.add(new Case("metadata.region a number", "PUT", with(valid, "/metadata", NODES.objectNode().put("region", 7)),
                    "application/json", null, Set.of(400, 412), List.of("region")));
            cases.add(new Case("status a string", "PUT", with(valid, "/status", NODES.textNode("active")), "application/json", null,
                    malformed, List.of("status")));
            // the spec itself
            cases.add(new Case("spec removed", "PUT", without(valid, "/spec"), "application/json", null, refused, List.of("spec")));
            cases.add(new Case("spec null", "PUT", with(valid, "/spec", NODES.nullNode()), "application/json", null, refused, List.of("spec")));
            cases.add(new Case("spec an array", "PUT", with(valid, "/spec", NODES.arrayNode()), "application/json", null, malformed,
                    List.of("spec")));
            cases.add(new Case("spec a string", "PUT", with(valid, "/spec", NODES.textNode("x")), "application/json", null, malformed,
                    List.of("spec")));
            cases.add(new Case("spec a number", "PUT", with(valid, "/spec", NODES.numberNode(1)), "application/json", null, malformed,
                    List.of("spec")));
            cases.add(new Case("spec unknown field", "PUT", with(valid, "/spec/surprise", NODES.numberNode(1)), "application/json", null,
                    refused, List.of("surprise")));
            walk("/spec", valid.get("spec"), false, cases);
            return cases;
        }

        /** Mutations of every field under pointer (value is its valid content); inArray: an element, which cannot be removed. */
        void walk(String pointer, JsonNode value, boolean inArray, List<Case> cases) {
            List<String> names = fieldNames(pointer);
            Set<Integer> refused = Set.of(412);
            if (!pointer.equals("/spec")) {
                if (!inArray) {
                    cases.add(new Case(label(pointer, "removed"), "PUT", without(valid, pointer), "application/json", null, refused, names));
                }
                cases.add(new Case(label(pointer, "null"), "PUT", with(valid, pointer, NODES.nullNode()), "application/json", null, refused, names));
                Map<String, JsonNode> wrong = new LinkedHashMap<>();
                wrong.put("a string", NODES.textNode("wrong-type"));
                wrong.put("a number", NODES.numberNode(42));
                wrong.put("a boolean", NODES.booleanNode(true));
                wrong.put("an object", NODES.objectNode().put("wrong", "type"));
                wrong.put("an array", NODES.arrayNode().add("wrong-type"));
                wrong.forEach((what, replacement) -> {
                    if (replacement.getNodeType() != value.getNodeType()) {
                        cases.add(new Case(label(pointer, what), "PUT", with(valid, pointer, replacement), "application/json", null, refused, names));
                    }
                });
            }
            if (value.isTextual()) {
                String text = value.asText();
                Map<String, String> variants = new LinkedHashMap<>();
                variants.put("empty", "");
                variants.put("10000 characters", HUGE_TEXT);
                variants.put("unknown value", "no-such-value");
                variants.put("unicode", "caf\u00e9-\u2603");
                if (text.contains("/") || pointer.endsWith("Ref") || pointer.contains("Ref/") || pointer.contains("Refs/")) {
                    String[] parts = text.split("/");
                    String plural = parts.length >= 2 ? parts[parts.length - 2] : "things";
                    String provider = providerOf(plural);
                    variants.put("reference to a missing resource", text.substring(0, text.lastIndexOf('/') + 1) + "missing-target");
                    variants.put("reference into another tenant", provider + "/tenants/other-tenant/workspaces/ws/" + text);
                    variants.put("reference into another workspace", provider + "/tenants/" + tenant + "/workspaces/other-ws/" + text);
                    variants.put("reference with a trailing slash", text + "/");
                    variants.put("reference with dot segments", "../../" + text);
                    variants.put("reference to another kind", "widgets/" + parts[parts.length - 1]);
                    variants.put("reference with an upper-case name", text.substring(0, text.lastIndexOf('/') + 1) + "UPPER");
                }
                variants.forEach((what, replacement) -> cases.add(new Case(label(pointer, what), "PUT",
                        with(valid, pointer, NODES.textNode(replacement)), "application/json", null, refused, names)));
            } else if (value.isNumber()) {
                Map<String, JsonNode> variants = new LinkedHashMap<>();
                variants.put("-1", NODES.numberNode(-1));
                variants.put("0", NODES.numberNode(0));
                variants.put("1.5", NODES.numberNode(1.5));
                variants.put("1e30", NODES.numberNode(1e30));
                variants.put("2^63", NODES.numberNode(BigInteger.TWO.pow(63)));
                variants.put("2^64+1", NODES.numberNode(BigInteger.TWO.pow(64).add(BigInteger.ONE)));
                variants.put("-2^63-1", NODES.numberNode(BigInteger.TWO.pow(63).negate().subtract(BigInteger.ONE)));
                variants.forEach((what, replacement) -> cases.add(new Case(label(pointer, what), "PUT", with(valid, pointer, replacement),
                        "application/json", null, refused, names)));
            } else if (value.isArray()) {
                cases.add(new Case(label(pointer, "1001 entries"), "PUT", with(valid, pointer, repeated(value.get(0), 1001)),
                        "application/json", null, refused, names));
                for (int i = 0; i < value.size(); i++) {
                    walk(pointer + "/" + i, value.get(i), true, cases);
                }
            } else if (value.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    walk(pointer + "/" + field.getKey(), field.getValue(), false, cases);
                }
            }
        }

        /** Path cases: bad names, a missing parent, an unknown version or provider; each label ends with the path. */
        List<Case> pathCases() {
            List<Case> cases = new ArrayList<>();
            String body = valid.toString();
            Set<Integer> refused = Set.of(400, 404, 412);
            for (String name : List.of("UPPER", "x".repeat(300), "..", "%2E%2E", "a..b", "caf%C3%A9", "trailing.", "trailing-", "-leading",
                    "under_score", "sp%20ace", "sl%2Fash", "%00")) {
                cases.add(new Case("name " + path(name), "PUT", body, "application/json", null, refused, List.of()));
            }
            if (route.template().contains("{workspace}")) {
                cases.add(new Case("missing-workspace " + path(route.template(), tenant, "no-such-ws", "net", "c-ws"), "PUT", body,
                        "application/json", null, Set.of(404, 412), List.of()));
                cases.add(new Case("other-tenant " + path(route.template(), "other-tenant", "ws", "net", "c-tenant"), "PUT", body,
                        "application/json", null, Set.of(404, 412), List.of()));
            }
            if (route.template().contains("{network}")) {
                cases.add(new Case("missing-network " + path(route.template(), tenant, "ws", "no-such-net", "c-net"), "PUT", body,
                        "application/json", null, Set.of(404, 412), List.of()));
            }
            cases.add(new Case("unknown-version " + path("c-v2").replace("/v1/", "/v2/"), "PUT", body, "application/json", null,
                    Set.of(404), List.of()));
            cases.add(new Case("unknown-provider " + path("c-p").replaceFirst("/providers/seca\\.[a-z]+/", "/providers/seca.nothing/"),
                    "PUT", body, "application/json", null, Set.of(404), List.of()));
            return cases;
        }

        String label(String pointer, String what) {
            return pointer.substring(1).replace('/', '.') + " " + what;
        }

        /** The field names a problem detail may use for the field at pointer (it or one of its parents, not "spec"). */
        List<String> fieldNames(String pointer) {
            List<String> names = new ArrayList<>();
            for (String segment : pointer.substring(1).split("/")) {
                if (!segment.equals("spec") && !segment.matches("\\d+")) {
                    names.add(segment);
                }
            }
            return names;
        }

        String providerOf(String plural) {
            return switch (plural) {
                case "skus" -> kind.equals("instance") ? "seca.compute/v1" : kind.equals("block-storage") ? "seca.storage/v1" : "seca.network/v1";
                case "block-storages", "images" -> "seca.storage/v1";
                case "instances" -> "seca.compute/v1";
                default -> "seca.network/v1";
            };
        }
    }

    private static ArrayNode repeated(JsonNode element, int count) {
        ArrayNode array = NODES.arrayNode();
        for (int i = 0; i < count; i++) {
            array.add(element.deepCopy());
        }
        return array;
    }

    /** The body with the value at pointer replaced (or added). */
    private static String with(JsonNode body, String pointer, JsonNode value) {
        JsonNode copy = body.deepCopy();
        JsonPointer at = JsonPointer.compile(pointer);
        JsonNode parent = copy.at(at.head());
        String last = at.last().getMatchingProperty();
        if (parent instanceof ArrayNode array) {
            array.set(at.last().getMatchingIndex(), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return copy.toString();
    }

    private static String without(JsonNode body, String pointer) {
        JsonNode copy = body.deepCopy();
        JsonPointer at = JsonPointer.compile(pointer);
        ((ObjectNode) copy.at(at.head())).remove(at.last().getMatchingProperty());
        return copy.toString();
    }

    /** What is wrong with the problem body of a refusal, or null if it is a proper SECA problem. */
    private static String problemFault(HttpResponse<String> response, List<String> fieldNames) {
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (!contentType.startsWith("application/json") && !contentType.startsWith("application/problem+json")) {
            return "problem sent as '" + contentType + "': " + abbreviate(response.body());
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(response.body());
        } catch (Exception e) {
            return "problem body is not JSON: " + abbreviate(response.body());
        }
        if (problem == null || !problem.isObject() || problem.path("status").asInt() != response.statusCode()) {
            return "problem status differs from HTTP " + response.statusCode() + ": " + abbreviate(response.body());
        }
        for (String field : List.of("type", "title", "detail", "instance")) {
            if (problem.path(field).asText("").isEmpty()) {
                return "problem without " + field + ": " + abbreviate(response.body());
            }
        }
        if (!problem.path("type").asText().startsWith("http://secapi.cloud/errors/") || !problem.path("sources").isArray()) {
            return "problem type or sources not SECA's: " + abbreviate(response.body());
        }
        String detail = problem.get("detail").asText();
        if (LEAK.matcher(detail).find() || LEAK.matcher(problem.get("title").asText()).find()) {
            return "problem leaks internals: " + abbreviate(detail);
        }
        if (!fieldNames.isEmpty() && fieldNames.stream().noneMatch(detail::contains)) {
            return "problem detail does not name " + fieldNames + ": " + abbreviate(detail);
        }
        return null;
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 297) + "...";
    }

    /** A request with its own content type, bounded by the test's timeout (a hang fails the test). */
    private HttpResponse<String> send(String method, String path, String body, String contentType, String ifUnmodifiedSince)
            throws Exception {
        if (token == null) {
            token = tokens.issue("bad-input-test", "t1", null).token();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (ifUnmodifiedSince != null) {
            request.header("if-unmodified-since", ifUnmodifiedSince);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
