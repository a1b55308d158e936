package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One row change from a monitor (RFC 7047 section 4.1.6 {@code <row-update>}). An insert (or a row of the
 * initial contents) has only {@code newRow}, a delete only {@code oldRow}; a modify has both, and its
 * {@code oldRow} holds only the columns that changed.
 */
public record RowUpdate(String table, UUID uuid, Optional<Row> oldRow, Optional<Row> newRow) {

    public enum Kind { INSERT, DELETE, MODIFY }

    public Kind kind() {
        if (oldRow.isEmpty()) {
            return Kind.INSERT;
        }
        return newRow.isEmpty() ? Kind.DELETE : Kind.MODIFY;
    }

    /** Parses a {@code <table-updates>} object into a flat list, table by table in the server's order. */
    static List<RowUpdate> parseTableUpdates(JsonNode tableUpdates) {
        List<RowUpdate> updates = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> tables = tableUpdates.fields(); tables.hasNext(); ) {
            Map.Entry<String, JsonNode> table = tables.next();
            for (Iterator<Map.Entry<String, JsonNode>> rows = table.getValue().fields(); rows.hasNext(); ) {
                Map.Entry<String, JsonNode> row = rows.next();
                updates.add(new RowUpdate(table.getKey(), UUID.fromString(row.getKey()),
                        row(row.getValue().get("old")), row(row.getValue().get("new"))));
            }
        }
        return List.copyOf(updates);
    }

    private static Optional<Row> row(JsonNode json) {
        return json instanceof ObjectNode object ? Optional.of(new Row(object)) : Optional.empty();
    }
}
