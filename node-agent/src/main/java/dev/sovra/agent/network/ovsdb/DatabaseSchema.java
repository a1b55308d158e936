package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A database schema as {@code get_schema} returns it (RFC 7047 section 3.2), with the raw JSON kept. */
public record DatabaseSchema(String name, String version, Map<String, Table> tables, JsonNode raw) {

    /** One table: its column names (without the implicit {@code _uuid}/{@code _version}) and whether it is a root table. */
    public record Table(String name, Set<String> columns, boolean root, JsonNode raw) {
    }

    public DatabaseSchema {
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
    }

    public Optional<Table> table(String tableName) {
        return Optional.ofNullable(tables.get(tableName));
    }

    static DatabaseSchema parse(JsonNode json) {
        Map<String, Table> tables = new LinkedHashMap<>();
        JsonNode tablesJson = json.path("tables");
        for (Iterator<Map.Entry<String, JsonNode>> it = tablesJson.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> table = it.next();
            Set<String> columns = new LinkedHashSet<>();
            table.getValue().path("columns").fieldNames().forEachRemaining(columns::add);
            tables.put(table.getKey(), new Table(table.getKey(), Collections.unmodifiableSet(columns),
                    table.getValue().path("isRoot").asBoolean(false), table.getValue()));
        }
        return new DatabaseSchema(json.path("name").asText(), json.path("version").asText(), tables, json);
    }
}
