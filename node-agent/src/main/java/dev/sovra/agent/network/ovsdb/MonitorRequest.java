package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * What to monitor in one table (RFC 7047 section 4.1.5 {@code <monitor-request>}): the columns (empty: all)
 * and which kinds of change to report.
 */
public record MonitorRequest(String table, List<String> columns, boolean initial, boolean insert,
                             boolean delete, boolean modify) {

    public MonitorRequest {
        Objects.requireNonNull(table, "table");
        columns = List.copyOf(columns);
    }

    /** Initial contents and every insert, delete and modify of these columns (none given: all columns). */
    public static MonitorRequest of(String table, String... columns) {
        return new MonitorRequest(table, List.of(columns), true, true, true, true);
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (!columns.isEmpty()) {
            ArrayNode list = json.putArray("columns");
            columns.forEach(list::add);
        }
        ObjectNode select = json.putObject("select");
        select.put("initial", initial);
        select.put("insert", insert);
        select.put("delete", delete);
        select.put("modify", modify);
        return json;
    }
}
