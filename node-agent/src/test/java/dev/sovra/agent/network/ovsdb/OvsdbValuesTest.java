package dev.sovra.agent.network.ovsdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The OVSDB value notation (RFC 7047 5.1) and operation encoding. */
class OvsdbValuesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final UUID ID = UUID.fromString("6a3f0e1c-2b1d-4c55-9b57-5f5a2d1f0a11");

    /** Compares as JSON text (Jackson's tree equality tells int from long nodes; the wire does not). */
    private static void assertJson(String expected, JsonNode actual) throws Exception {
        assertEquals(json(expected), MAPPER.readTree(actual.toString()));
    }

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text.replace('\'', '"'));
    }

    @Test
    void encodesAtomsSetsMapsAndReferences() throws Exception {
        assertJson("'x'", OvsdbValues.toJson("x"));
        assertJson("7", OvsdbValues.toJson(7));
        assertJson("true", OvsdbValues.toJson(true));
        assertJson(("['uuid','" + ID + "']"), OvsdbValues.toJson(ID));
        assertJson("['named-uuid','row1']", OvsdbValues.toJson(new NamedUuid("row1")));
        assertJson(("['set',[['named-uuid','p'],['uuid','" + ID + "']]]"),
                OvsdbValues.toJson(List.of(new NamedUuid("p"), ID)));
        Map<String, String> map = new LinkedHashMap<>();
        map.put("iface-id", "a");
        map.put("sovra-nic", "b");
        assertJson("['map',[['iface-id','a'],['sovra-nic','b']]]", OvsdbValues.toJson(map));
        assertJson("['set',[]]", OvsdbValues.toJson(OptionalInt.empty()));
        assertJson("['set',[]]", OvsdbValues.toJson(Optional.empty()));
        assertJson("100", OvsdbValues.toJson(OptionalInt.of(100)));
        assertJson("5", OvsdbValues.toJson(OptionalLong.of(5)));
        assertThrows(IllegalArgumentException.class, () -> OvsdbValues.toJson(null));
        assertThrows(IllegalArgumentException.class, () -> OvsdbValues.toJson(new Object()));
        assertThrows(IllegalArgumentException.class, () -> new NamedUuid("not-an-id"));
    }

    @Test
    void decodesBothSetFormsAndMaps() throws Exception {
        Row row = new Row((ObjectNode) json("{'_uuid':['uuid','" + ID + "'],'one':['uuid','" + ID + "'],"
                + "'many':['set',[['uuid','" + ID + "']]],'none':['set',[]],'tag':100,"
                + "'ids':['map',[['k','v']]],'name':'br0'}"));
        assertEquals(ID, row.uuid());
        assertEquals(List.of(ID), row.uuidSet("one"));
        assertEquals(List.of(ID), row.uuidSet("many"));
        assertEquals(List.of(), row.uuidSet("none"));
        assertEquals(OptionalLong.of(100), row.optionalInteger("tag"));
        assertEquals(OptionalLong.empty(), row.optionalInteger("none"));
        assertEquals(Map.of("k", "v"), row.stringMap("ids"));
        assertEquals("br0", row.string("name"));
        assertThrows(IllegalArgumentException.class, () -> row.get("missing"));
    }

    @Test
    void encodesOperationsAsRfc7047() throws Exception {
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("name", "p");
        port.put("interfaces", List.of(new NamedUuid("i")));
        assertJson("{'op':'insert','table':'Port','row':{'name':'p','interfaces':['set',[['named-uuid','i']]]},'uuid-name':'port'}",
                Operation.insert("Port", port, "port").toJson());
        assertJson("{'op':'mutate','table':'Open_vSwitch','where':[],'mutations':[['bridges','insert',['set',[['named-uuid','b']]]]]}",
                Operation.mutate("Open_vSwitch", List.of(), Mutation.insert("bridges", List.of(new NamedUuid("b")))).toJson());
        assertJson("{'op':'select','table':'Bridge','where':[['name','==','br0']],'columns':['_uuid']}",
                Operation.select("Bridge", List.of(Condition.eq("name", "br0")), "_uuid").toJson());
        assertJson("{'op':'wait','table':'Bridge','timeout':0,'where':[['name','==','b']],'columns':[],'until':'==','rows':[]}",
                Operation.assertAbsent("Bridge", List.of(Condition.eq("name", "b"))).toJson());
        assertJson(("{'op':'delete','table':'Port','where':[['_uuid','==',['uuid','" + ID + "']]]}"),
                Operation.delete("Port", List.of(Condition.uuidIs(ID))).toJson());
        assertJson("{'op':'comment','comment':'hi'}", Operation.comment("hi").toJson());
    }

    @Test
    void transactResultsSurfaceOperationAndCommitErrors() throws Exception {
        List<Operation> ops = List.of(Operation.comment("a"), Operation.insert("Bridge", Map.of("name", "b")));
        OvsdbException opError = assertThrows(OvsdbException.class, () -> OvsdbClient.transactResults("db", ops,
                json("[{}, {'error':'constraint violation','details':'dup'}]")));
        assertEquals(OvsdbException.Code.OPERATION_FAILED, opError.code());
        assertEquals(1, opError.operationIndex());
        OvsdbException commit = assertThrows(OvsdbException.class, () -> OvsdbClient.transactResults("db", ops,
                json("[{}, {'uuid':['uuid','" + ID + "']}, {'error':'referential integrity violation','details':'x'}]")));
        assertEquals(OvsdbException.Code.COMMIT_FAILED, commit.code());
        assertEquals(ID, OvsdbClient.transactResults("db", ops, json("[{}, {'uuid':['uuid','" + ID + "']}]")).get(1).uuid());
    }
}
