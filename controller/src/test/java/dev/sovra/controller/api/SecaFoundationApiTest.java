package dev.sovra.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SECA foundation contract over real HTTP on the real controller: discovery, catalogues,
 * workspaces and block storages (realised by the controller itself), with the metadata, condition
 * histories, pagination and error codes SECA clients and the conformance suite rely on.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecaFoundationApiTest extends SecaApiTest {

    private static final String WS = "/providers/seca.workspace/v1/tenants/t1/workspaces/";
    private static final String BS = "/providers/seca.storage/v1/tenants/t1/workspaces/%s/block-storages/";
    private static final String SKU_REF = "seca.storage/v1/tenants/t1/skus/seca.rd100";

    private String storage(String workspace, String name, int sizeGB) {
        return "{\"labels\":{\"env\":\"conformance\"},\"spec\":{\"skuRef\":{\"resource\":\"" + SKU_REF + "\"},\"sizeGB\":" + sizeGB + "}}";
    }

    @Test
    void discoveryPointsClientsAtEveryRegionalProvider() throws Exception {
        HttpResponse<String> wellKnown = call("GET", "/.wellknown/secapi", null);
        assertEquals(200, wellKnown.statusCode());
        assertTrue(json(wellKnown).get("endpoints").get(0).get("url").asText().endsWith("/providers/seca.region"));

        JsonNode regions = json(call("GET", "/providers/seca.region/v1/regions", null));
        assertEquals("region-1", regions.get("items").get(0).get("metadata").get("name").asText());
        JsonNode region = json(call("GET", "/providers/seca.region/v1/regions/region-1", null));
        assertEquals("seca.region/v1/regions/region-1", region.get("metadata").get("ref").asText());
        assertEquals("GET", region.get("metadata").get("verb").asText());
        Set<String> providers = new HashSet<>();
        region.get("spec").get("providers").forEach(p -> {
            providers.add(p.get("name").asText());
            assertEquals("v1", p.get("version").asText());
            assertTrue(p.get("url").asText().endsWith("/providers/" + p.get("name").asText()), "url has no version segment");
            assertTrue(p.get("url").asText().startsWith(server.getURL().toString()), "discovery points back at this server");
        });
        assertEquals(Set.of("seca.workspace", "seca.compute", "seca.storage", "seca.network"), providers);
        assertEquals(404, call("GET", "/providers/seca.region/v1/regions/elsewhere", null).statusCode());
    }

    @Test
    void skuCataloguesAreNonEmptyFilterableAndPaginated() throws Exception {
        for (String provider : List.of("seca.compute", "seca.storage", "seca.network")) {
            JsonNode all = json(call("GET", "/providers/" + provider + "/v1/tenants/t1/skus", null));
            assertTrue(all.get("items").size() > 0, provider + " offers SKUs");
            assertEquals("skus", all.get("metadata").get("resource").asText());
            int pages = 0;
            int seen = 0;
            String next = "";
            do {
                JsonNode page = json(call("GET", "/providers/" + provider + "/v1/tenants/t1/skus?limit=1" + next, null));
                seen += page.get("items").size();
                JsonNode token = page.get("metadata").get("skipToken");
                next = token == null ? null : "&skipToken=" + token.asText();
                pages++;
            } while (next != null && pages < 100);
            assertEquals(all.get("items").size(), seen, provider + " pages cover the catalogue exactly once");
        }
        JsonNode d2xs = json(call("GET", "/providers/seca.compute/v1/tenants/t1/skus?labels=Tier=D2XS", null));
        assertEquals(1, d2xs.get("items").size());
        assertEquals(1, d2xs.get("items").get(0).get("spec").get("vCPU").asInt());
        assertEquals("instance-sku", d2xs.get("items").get(0).get("metadata").get("kind").asText());
    }

    @Test
    void workspaceLifecycleRecordsEveryStateAndProtectsNothingItDoesNotHold() throws Exception {
        HttpResponse<String> created = call("PUT", WS + "ws-life",
                "{\"labels\":{\"env\":\"development\"},\"annotations\":{\"description\":\"d\"},\"spec\":{}}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode workspace = json(created);
        assertEquals("workspaces/ws-life", workspace.get("metadata").get("resource").asText());
        assertEquals("seca.workspace/v1/tenants/t1/workspaces/ws-life", workspace.get("metadata").get("ref").asText());
        assertEquals("PUT", workspace.get("metadata").get("verb").asText());
        assertEquals(List.of("active", "creating", "pending"), states(workspace));

        HttpResponse<String> updated = call("PUT", WS + "ws-life", "{\"labels\":{\"env\":\"conformance\"},\"spec\":{}}");
        assertEquals(200, updated.statusCode());
        assertEquals("active", json(updated).get("status").get("state").asText());
        assertEquals(List.of("active", "updating", "active", "creating", "pending"), states(json(updated)));
        JsonNode fetched = json(call("GET", WS + "ws-life", null));
        assertEquals("conformance", fetched.get("labels").get("env").asText());
        assertEquals("GET", fetched.get("metadata").get("verb").asText());

        assertEquals(202, call("DELETE", WS + "ws-life", null).statusCode());
        assertEquals(404, call("GET", WS + "ws-life", null).statusCode());
    }

    @Test
    void workspaceRulesAreEnforcedWithoutWritingAnything() throws Exception {
        assertRefused(call("PUT", WS + "x".repeat(129), "{\"spec\":{}}"));
        assertRefused(call("PUT", WS + "Invalid-Name-With-Uppercase", "{\"spec\":{}}"));
        assertRefused(call("PUT", WS + "ws-labels", "{\"labels\":{\"k\":\"" + "v".repeat(64) + "\"},\"spec\":{}}"));
        assertRefused(call("PUT", WS + "ws-annotations", "{\"annotations\":{\"k\":\"" + "v".repeat(1025) + "\"},\"spec\":{}}"));
        assertRefused(call("PUT", WS + "ws-region", "{\"metadata\":{\"region\":\"non-existent-region\"},\"spec\":{}}"));
        for (String name : List.of("ws-labels", "ws-annotations", "ws-region")) {
            assertEquals(404, call("GET", WS + name, null).statusCode(), name + " was not written");
        }
    }

    @Test
    void listsFilterByLabelsAndPageToTheEnd() throws Exception {
        for (int i = 0; i < 5; i++) {
            call("PUT", WS + "ws-list-" + i, "{\"labels\":{\"env\":\"" + (i % 2 == 0 ? "conformance" : "other") + "\"},\"spec\":{}}");
        }
        JsonNode filtered = json(call("GET", WS.substring(0, WS.length() - 1) + "?labels=env=conformance", null));
        filtered.get("items").forEach(item -> assertEquals("conformance", item.get("labels").get("env").asText()));
        assertTrue(filtered.get("items").size() >= 3);
        JsonNode first = json(call("GET", WS.substring(0, WS.length() - 1) + "?limit=2", null));
        assertEquals(2, first.get("items").size());
        assertEquals("workspaces", first.get("metadata").get("resource").asText());
        String token = first.get("metadata").get("skipToken").asText();
        JsonNode second = json(call("GET", WS.substring(0, WS.length() - 1) + "?limit=2&skipToken=" + token, null));
        assertFalse(second.get("items").get(0).get("metadata").get("name").asText()
                .equals(first.get("items").get(1).get("metadata").get("name").asText()), "no item repeats across pages");
        assertEquals(400, call("GET", WS.substring(0, WS.length() - 1) + "?limit=0", null).statusCode());
        assertEquals(400, call("GET", WS.substring(0, WS.length() - 1) + "?skipToken=%25%25", null).statusCode());
    }

    @Test
    void blockStorageGrowsButNeverShrinksAndNeedsItsWorkspaceAndSku() throws Exception {
        call("PUT", WS + "ws-bs", "{\"spec\":{}}");
        String path = String.format(BS, "ws-bs") + "disk-1";
        HttpResponse<String> created = call("PUT", path, storage("ws-bs", "disk-1", 20));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode disk = json(created);
        assertEquals(SKU_REF, disk.get("spec").get("skuRef").get("resource").asText(), "references are echoed verbatim");
        assertEquals(20, disk.get("status").get("sizeGB").asInt());
        assertEquals("block-storages/disk-1", disk.get("metadata").get("resource").asText());
        assertEquals("seca.storage/v1/tenants/t1/workspaces/ws-bs/block-storages/disk-1", disk.get("metadata").get("ref").asText());

        JsonNode grown = json(call("PUT", path, storage("ws-bs", "disk-1", 30)));
        assertEquals(30, grown.get("status").get("sizeGB").asInt(), "the size asked for, until a node reports the volume");
        // No node runs here, so the volume is never made and the block storage stays creating; the realised
        // lifecycle (active, then updating and active on growth) is checked with a real agent in StorageSystemTest.
        assertEquals(List.of("creating", "pending"), states(grown));
        assertRefused(call("PUT", path, storage("ws-bs", "disk-1", 10)));
        assertEquals(30, json(call("GET", path, null)).get("spec").get("sizeGB").asInt(), "a refused shrink changes nothing");

        assertRefused(call("PUT", String.format(BS, "no-such-workspace") + "disk-x", storage("x", "disk-x", 20)));
        assertRefused(call("PUT", String.format(BS, "ws-bs") + "disk-x", storage("ws-bs", "disk-x", 20).replace("seca.rd100", "nope")));
        assertRefused(call("PUT", String.format(BS, "ws-bs") + "disk-x", "{\"spec\":{\"skuRef\":\"skus/seca.rd100\"}}"));
        assertEquals(404, call("GET", String.format(BS, "ws-bs") + "disk-x", null).statusCode());

        assertEquals(202, call("DELETE", path, null).statusCode());
        assertEquals(404, call("GET", path, null).statusCode());
    }

    @Test
    void instancesNeedTheirWorkspaceBootVolumeSkuAndZoneAndProtectTheirWorkspace() throws Exception {
        call("PUT", WS + "ws-vm", "{\"spec\":{}}");
        call("PUT", String.format(BS, "ws-vm") + "boot", storage("ws-vm", "boot", 20));
        String instances = "/providers/seca.compute/v1/tenants/t1/workspaces/ws-vm/instances/";
        String spec = "{\"spec\":{\"skuRef\":{\"resource\":\"seca.compute/v1/tenants/t1/skus/seca.d2xs\"},\"zone\":\"a\","
                + "\"bootVolume\":{\"deviceRef\":{\"resource\":\"seca.storage/v1/tenants/t1/workspaces/ws-vm/block-storages/boot\"}}}}";
        assertRefused(call("PUT", instances + "vm", spec.replace("seca.d2xs", "non-existent-sku")));
        assertRefused(call("PUT", instances + "vm", spec.replace("\"a\"", "\"invalid-zone\"")));
        assertRefused(call("PUT", instances + "vm", spec.replace("block-storages/boot", "block-storages/missing")));
        assertRefused(call("PUT", "/providers/seca.compute/v1/tenants/t1/workspaces/non-existent-workspace/instances/vm", spec));
        assertRefused(call("PUT", instances + "vm", spec.replace("\"zone\":\"a\"", "\"zone\":\"a\",\"userData\":\""
                + "u".repeat(65537) + "\"")));
        assertRefused(call("PUT", instances + "vm", spec.replace("\"zone\":\"a\"", "\"zone\":\"a\",\"sshKeys\":[\"\"]")));

        HttpResponse<String> created = call("PUT", instances + "vm", spec);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode vm = json(created);
        assertEquals("seca.compute/v1/tenants/t1/skus/seca.d2xs", vm.get("spec").get("skuRef").get("resource").asText());
        assertEquals("instances/vm", vm.get("metadata").get("resource").asText());
        assertEquals("off", vm.get("status").get("powerState").asText(), "a new instance is off until started");

        assertRefused(call("POST", instances + "vm/stop", null));
        assertRefused(call("POST", instances + "vm/restart", null));
        assertEquals(202, call("POST", instances + "vm/start", null).statusCode());
        assertRefused(call("POST", instances + "vm/start", null));
        assertEquals(202, call("POST", instances + "vm/stop", null).statusCode());
        assertRefused(call("POST", instances + "vm/stop", null));

        assertRefused(call("DELETE", WS + "ws-vm", null));
        assertRefused(call("DELETE", String.format(BS, "ws-vm") + "boot", null));
        assertEquals(202, call("DELETE", instances + "vm", null).statusCode());
    }

    @Test
    void malformedHugeOrUnknownBodiesAre4xxProblemsAndWriteNothing() throws Exception {
        HttpResponse<String> unknown = call("PUT", WS + "ws-garbage", "{\"spec\":{},\"surprise\":1}");
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertEquals(400, json(unknown).get("status").asInt());
        assertEquals(400, call("PUT", WS + "ws-garbage", "[1,2,3]").statusCode());
        assertEquals(400, call("PUT", WS + "ws-garbage", "{\"labels\":[\"x\"],\"spec\":{}}").statusCode());
        HttpResponse<String> huge = call("PUT", WS + "ws-garbage", "{\"spec\":{\"blob\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}}");
        assertEquals(413, huge.statusCode());
        assertEquals(413, json(huge).get("status").asInt());
        assertEquals(404, call("GET", WS + "ws-garbage", null).statusCode(), "nothing written");
    }

    @Test
    void aClientMaySendBackWhatItReadAndReadOnlyMetadataIsIgnored() throws Exception {
        JsonNode created = json(call("PUT", WS + "ws-echo", "{\"labels\":{\"a\":\"1\"},\"spec\":{}}"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) created.get("metadata")).put("name", "someone-else");
        ((com.fasterxml.jackson.databind.node.ObjectNode) created.get("metadata")).put("resourceVersion", 999);
        HttpResponse<String> again = call("PUT", WS + "ws-echo", JSON.writeValueAsString(created));
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("ws-echo", json(again).get("metadata").get("name").asText(), "the name comes from the path");
        assertEquals(2, json(again).get("metadata").get("resourceVersion").asLong(), "versions are the server's");
    }

    @Test
    void ifUnmodifiedSinceGuardsAgainstLostUpdates() throws Exception {
        long version = json(call("PUT", WS + "ws-occ", "{\"spec\":{}}")).get("metadata").get("resourceVersion").asLong();
        HttpRequest.Builder stale = HttpRequest.newBuilder(URI.create(server.getURL() + WS + "ws-occ"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("if-unmodified-since", String.valueOf(version + 1))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"labels\":{\"lost\":\"update\"},\"spec\":{}}"));
        assertEquals(412, http.send(stale.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(json(call("GET", WS + "ws-occ", null)).get("labels").isEmpty(), "the stale write changed nothing");
        HttpRequest.Builder current = HttpRequest.newBuilder(URI.create(server.getURL() + WS + "ws-occ"))
                .header("Authorization", "Bearer " + token).header("if-unmodified-since", String.valueOf(version)).DELETE();
        assertEquals(202, http.send(current.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void paginationWalksOverAThousandItemsExactlyOnce() throws Exception {
        for (int i = 0; i < 1010; i++) {
            assertEquals(201, call("PUT", String.format("/providers/seca.workspace/v1/tenants/t-many/workspaces/ws-%04d", i),
                    "{\"spec\":{}}").statusCode());
        }
        Set<String> seen = new HashSet<>();
        String next = "";
        int pages = 0;
        do {
            JsonNode page = json(call("GET", "/providers/seca.workspace/v1/tenants/t-many/workspaces?limit=100" + next, null));
            page.get("items").forEach(item -> assertTrue(seen.add(item.get("metadata").get("name").asText()), "no repeats"));
            JsonNode token = page.get("metadata").get("skipToken");
            next = token == null ? null : "&skipToken=" + token.asText();
            pages++;
        } while (next != null && pages < 50);
        assertEquals(1010, seen.size());
        assertEquals(11, pages);
        assertEquals(1000, json(call("GET", "/providers/seca.workspace/v1/tenants/t-many/workspaces", null)).get("items").size(),
                "the default page is 1000");
    }

    @Test
    void deletingAWorkspaceTakesItsRecordsAlongAndCountsThem() throws Exception {
        call("PUT", WS + "ws-cascade", "{\"spec\":{}}");
        call("PUT", String.format(BS, "ws-cascade") + "d1", storage("ws-cascade", "d1", 20));
        call("PUT", String.format(BS, "ws-cascade") + "d2", storage("ws-cascade", "d2", 20));
        assertEquals(2, json(call("GET", WS + "ws-cascade", null)).get("status").get("resourceCount").asInt());
        assertEquals(202, call("DELETE", WS + "ws-cascade", null).statusCode());
        call("PUT", WS + "ws-cascade", "{\"spec\":{}}");
        assertEquals(404, call("GET", String.format(BS, "ws-cascade") + "d1", null).statusCode(),
                "a re-created workspace starts empty");
        assertEquals(0, json(call("GET", WS + "ws-cascade", null)).get("status").get("resourceCount").asInt());
    }

    @Test
    void theOpenApiDocumentDescribesEverySecaOperationServed() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.getURL() + "/openapi/sovra-v1.yml")).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "published without a token");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>)
                new org.yaml.snakeyaml.Yaml().<Map<String, Object>>load(response.body()).get("paths");
        int operations = 0;
        for (Map.Entry<String, Map<String, Object>> path : paths.entrySet()) {
            if (path.getKey().startsWith("/providers/") || path.getKey().equals("/.wellknown/secapi")) {
                operations += (int) path.getValue().keySet().stream().filter(m -> List.of("get", "put", "delete", "post").contains(m)).count();
            }
        }
        assertEquals(68, operations, "the SECA foundation has 68 operations (API.md section 6)");
    }
}
