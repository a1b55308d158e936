package dev.sovra.agent.network.ovsdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OvsdbClient} against a real, private ovsdb-server with the vswitch schema. */
class OvsdbClientTest {
    private static final String DB = OvsdbClient.OPEN_VSWITCH_DB;

    @TempDir
    static Path dir;
    static OvsdbServer server;
    static OvsdbClient client;

    @BeforeAll
    static void startServer() throws Exception {
        server = OvsdbServer.start(dir);
        server.vsctl("init"); // the root Open_vSwitch row, as ovs-ctl start creates it
        client = OvsdbClient.connect(server.socket(), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void listDbsContainsOpenVswitch() {
        assertTrue(client.listDbs().contains("Open_vSwitch"), () -> "list_dbs: " + client.listDbs());
    }

    @Test
    void schemaHasTheSwitchTables() {
        DatabaseSchema schema = client.getSchema(DB);
        assertEquals("Open_vSwitch", schema.name());
        assertFalse(schema.version().isEmpty());
        for (String table : List.of("Bridge", "Port", "Interface")) {
            assertTrue(schema.table(table).isPresent(), table);
            assertFalse(schema.table(table).get().root(), table + " is not a root table");
        }
        assertTrue(schema.table("Open_vSwitch").orElseThrow().root());
        assertTrue(schema.table("Bridge").orElseThrow().columns().containsAll(List.of("name", "ports", "datapath_type")));
        assertTrue(schema.table("Interface").orElseThrow().columns().contains("external_ids"));
    }

    @Test
    void echoRoundTrips() {
        client.echo();
        assertTrue(client.isConnected());
    }

    @Test
    void insertWithNamedUuidsAndRootMutationCreatesABridgeOvsVsctlSees() throws Exception {
        List<OperationResult> results = client.transact(DB,
                Operation.insert("Interface", Map.of("name", "brtx", "type", "internal"), "iface"),
                Operation.insert("Port", Map.of("name", "brtx", "interfaces", List.of(new NamedUuid("iface"))), "port"),
                Operation.insert("Bridge", Map.of("name", "brtx", "ports", List.of(new NamedUuid("port")),
                        "datapath_type", "netdev", "external_ids", Map.of("sovra-test", "1")), "bridge"),
                Operation.mutate("Open_vSwitch", List.of(), Mutation.insert("bridges", List.of(new NamedUuid("bridge")))),
                Operation.comment("OvsdbClientTest"));
        assertEquals(5, results.size());
        UUID bridgeUuid = results.get(2).uuid();
        assertEquals(1, results.get(3).count());

        assertTrue(server.vsctl("list-br").lines().toList().contains("brtx"));
        assertEquals("netdev", server.vsctl("get", "bridge", "brtx", "datapath_type"));
        assertEquals(bridgeUuid.toString(), server.vsctl("get", "bridge", "brtx", "_uuid"));

        List<Row> rows = client.transact(DB, Operation.select("Bridge", List.of(Condition.eq("name", "brtx")),
                "_uuid", "datapath_type", "external_ids", "ports")).get(0).rows();
        assertEquals(1, rows.size());
        assertEquals(bridgeUuid, rows.get(0).uuid());
        assertEquals("netdev", rows.get(0).string("datapath_type"));
        assertEquals(Map.of("sovra-test", "1"), rows.get(0).stringMap("external_ids"));
        assertEquals(List.of(results.get(1).uuid()), rows.get(0).uuidSet("ports"));
    }

    @Test
    void bridgeNotReferencedFromTheRootRowIsGarbageCollected() {
        List<OperationResult> results = client.transact(DB, Operation.insert("Bridge", Map.of("name", "orphan")));
        assertNotNull(results.get(0).uuid());
        assertEquals(List.of(), client.transact(DB,
                Operation.select("Bridge", List.of(Condition.eq("name", "orphan")))).get(0).rows());
    }

    @Test
    void updateAndMutateReportCountsAndTakeEffect() throws Exception {
        server.vsctl("add-br", "brup");
        List<Condition> where = List.of(Condition.eq("name", "brup"));
        List<OperationResult> results = client.transact(DB,
                Operation.update("Bridge", where, Map.of("external_ids", Map.of("a", "1", "b", "2"))),
                Operation.mutate("Bridge", where, Mutation.delete("external_ids", List.of("a")),
                        Mutation.insert("external_ids", Map.of("c", "3"))),
                Operation.update("Bridge", List.of(Condition.eq("name", "no-such-bridge")), Map.of("stp_enable", true)));
        assertEquals(1, results.get(0).count());
        assertEquals(1, results.get(1).count());
        assertEquals(0, results.get(2).count());
        assertEquals("{b=\"2\", c=\"3\"}", server.vsctl("get", "bridge", "brup", "external_ids"));
    }

    @Test
    void deleteOfAReferencedRowFailsTheCommit() throws Exception {
        server.vsctl("add-br", "brdel");
        OvsdbException error = assertThrows(OvsdbException.class, () -> client.transact(DB,
                Operation.delete("Bridge", List.of(Condition.eq("name", "brdel")))));
        assertEquals(OvsdbException.Code.COMMIT_FAILED, error.code());
        assertEquals("referential integrity violation", error.ovsdbError());
        assertTrue(server.vsctl("list-br").lines().toList().contains("brdel"));

        // Dropping the reference and deleting the row in one transaction is fine.
        UUID uuid = UUID.fromString(server.vsctl("get", "bridge", "brdel", "_uuid"));
        List<OperationResult> results = client.transact(DB,
                Operation.mutate("Open_vSwitch", List.of(), Mutation.delete("bridges", List.of(uuid))),
                Operation.delete("Bridge", List.of(Condition.uuidIs(uuid))));
        assertEquals(1, results.get(1).count());
        assertFalse(server.vsctl("list-br").lines().toList().contains("brdel"));
    }

    @Test
    void badColumnRaisesOvsdbsErrorWithTheOperationIndex() throws Exception {
        OvsdbException error = assertThrows(OvsdbException.class, () -> client.transact(DB,
                Operation.comment("first"),
                Operation.insert("Bridge", Map.of("name", "brbad", "no_such_column", 1))));
        assertEquals(OvsdbException.Code.OPERATION_FAILED, error.code());
        assertEquals("unknown column", error.ovsdbError());
        assertTrue(error.details().contains("no_such_column"), error.details());
        assertEquals(1, error.operationIndex());
        assertTrue(error.getMessage().contains("operation 1 (insert Bridge): unknown column"), error.getMessage());
        assertFalse(server.vsctl("list-br").lines().toList().contains("brbad"));
    }

    @Test
    void danglingReferenceFailsTheCommit() {
        OvsdbException error = assertThrows(OvsdbException.class, () -> client.transact(DB,
                Operation.mutate("Open_vSwitch", List.of(), Mutation.insert("bridges", List.of(UUID.randomUUID())))));
        assertEquals(OvsdbException.Code.COMMIT_FAILED, error.code());
        assertEquals("referential integrity violation", error.ovsdbError());
        assertEquals(-1, error.operationIndex());
    }

    @Test
    void unknownDatabaseIsAnRpcError() {
        OvsdbException error = assertThrows(OvsdbException.class, () -> client.transact("No_Such_Db",
                Operation.comment("x")));
        assertEquals(OvsdbException.Code.RPC_ERROR, error.code());
        assertEquals("unknown database", error.ovsdbError());
        assertTrue(client.isConnected());
    }

    @Test
    void failedWaitIsAWaitFailure() throws Exception {
        server.vsctl("add-br", "brwait");
        OvsdbException error = assertThrows(OvsdbException.class, () -> client.transact(DB,
                Operation.assertAbsent("Bridge", List.of(Condition.eq("name", "brwait")))));
        assertTrue(error.isWaitFailure(), error::getMessage);
    }

    @Test
    void monitorDeliversInitialStateThenAddBrWithinOneSecond() throws Exception {
        server.vsctl("add-br", "brmon0");
        BlockingQueue<List<RowUpdate>> initialDeliveries = new LinkedBlockingQueue<>();
        BlockingQueue<RowUpdate> inserts = new LinkedBlockingQueue<>();
        BlockingQueue<Boolean> initialFlags = new LinkedBlockingQueue<>();
        List<RowUpdate> initial = client.monitor(DB, "bridges", List.of(MonitorRequest.of("Bridge", "name")),
                (updates, isInitial) -> {
                    initialFlags.add(isInitial);
                    if (isInitial) {
                        initialDeliveries.add(updates);
                    } else {
                        updates.stream().filter(u -> u.kind() == RowUpdate.Kind.INSERT).forEach(inserts::add);
                    }
                });
        assertTrue(initial.stream().anyMatch(u -> u.newRow().orElseThrow().string("name").equals("brmon0")));
        assertEquals(Boolean.TRUE, initialFlags.poll(1, TimeUnit.SECONDS), "initial state delivered first");
        assertEquals(initial, initialDeliveries.poll(1, TimeUnit.SECONDS));

        server.vsctl("add-br", "brmon1");
        RowUpdate update = inserts.poll(1, TimeUnit.SECONDS);
        assertNotNull(update, "no monitor update within 1 s of ovs-vsctl add-br");
        assertEquals("Bridge", update.table());
        assertEquals("brmon1", update.newRow().orElseThrow().string("name"));
        assertEquals(Boolean.FALSE, initialFlags.poll(1, TimeUnit.SECONDS));
        assertEquals(server.vsctl("get", "bridge", "brmon1", "_uuid"), update.uuid().toString());

        client.monitorCancel("bridges");
        server.vsctl("add-br", "brmon2");
        assertNull(inserts.poll(300, TimeUnit.MILLISECONDS), "update after monitor_cancel");
    }

    @Test
    void monitorReportsModifyWithOldAndNewValues() throws Exception {
        server.vsctl("add-br", "brmod");
        BlockingQueue<RowUpdate> modifies = new LinkedBlockingQueue<>();
        client.monitor(DB, "modify", List.of(MonitorRequest.of("Bridge", "name", "external_ids")),
                (updates, isInitial) -> updates.stream().filter(u -> u.kind() == RowUpdate.Kind.MODIFY).forEach(modifies::add));
        try {
            server.vsctl("br-set-external-id", "brmod", "k", "v");
            RowUpdate update = modifies.poll(1, TimeUnit.SECONDS);
            assertNotNull(update);
            assertEquals(Map.of(), update.oldRow().orElseThrow().stringMap("external_ids"));
            assertEquals(Map.of("k", "v"), update.newRow().orElseThrow().stringMap("external_ids"));
            assertFalse(update.oldRow().orElseThrow().has("name"), "old holds only changed columns");
        } finally {
            client.monitorCancel("modify");
        }
    }

    @Test
    void duplicateMonitorIdIsRefused() {
        client.monitor(DB, "dup", List.of(MonitorRequest.of("Open_vSwitch", "bridges")), (updates, initial) -> { });
        try {
            assertThrows(IllegalArgumentException.class, () -> client.monitor(DB, "dup",
                    List.of(MonitorRequest.of("Bridge")), (updates, initial) -> { }));
        } finally {
            client.monitorCancel("dup");
        }
    }

    @Test
    void requestWithoutReplyTimesOutAndTheConnectionStaysUsable() throws Exception {
        server.vsctl("add-br", "brtimeout");
        try (OvsdbClient impatient = OvsdbClient.connect(server.socket(), Duration.ofMillis(300))) {
            long start = System.nanoTime();
            // Waits (server side) up to 5 s for the bridge to disappear: no reply within 300 ms.
            OvsdbException error = assertThrows(OvsdbException.class, () -> impatient.transact(DB,
                    new Operation.Wait("Bridge", List.of(Condition.eq("name", "brtimeout")), List.of("name"), true,
                            List.of(), 5000L)));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(OvsdbException.Code.TIMEOUT, error.code());
            assertTrue(millis < 2000, "timed out after " + millis + " ms");
            impatient.echo();
            assertEquals(1, impatient.transact(DB, Operation.select("Bridge",
                    List.of(Condition.eq("name", "brtimeout")), "name")).get(0).rows().size());
        }
    }
}
