package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One operation of a {@code transact} request (RFC 7047 section 5.2). Column values use the Java forms
 * listed in {@link OvsdbValues}.
 */
public sealed interface Operation {

    /** The operation's name as on the wire ({@code insert}, {@code select}, ...). */
    String op();

    /** The table the operation works on, empty for {@code comment}. */
    String table();

    ObjectNode toJson();

    /** Inserts a row; {@code uuidName} (may be null) lets later operations refer to it as a {@link NamedUuid}. */
    record Insert(String table, Map<String, Object> row, String uuidName) implements Operation {
        public Insert {
            Objects.requireNonNull(table, "table");
            row = copy(row);
            if (uuidName != null) {
                new NamedUuid(uuidName); // validates the <id> syntax
            }
        }

        @Override
        public String op() {
            return "insert";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header(this);
            json.set("row", rowJson(row));
            if (uuidName != null) {
                json.put("uuid-name", uuidName);
            }
            return json;
        }
    }

    /** Sets columns of every row matching {@code where}; the result's {@code count} says how many. */
    record Update(String table, List<Condition> where, Map<String, Object> row) implements Operation {
        public Update {
            Objects.requireNonNull(table, "table");
            where = List.copyOf(where);
            row = copy(row);
        }

        @Override
        public String op() {
            return "update";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header(this);
            json.set("where", whereJson(where));
            json.set("row", rowJson(row));
            return json;
        }
    }

    /** Applies mutations (in order) to every row matching {@code where}; the result's {@code count} says how many. */
    record Mutate(String table, List<Condition> where, List<Mutation> mutations) implements Operation {
        public Mutate {
            Objects.requireNonNull(table, "table");
            where = List.copyOf(where);
            mutations = List.copyOf(mutations);
        }

        @Override
        public String op() {
            return "mutate";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header(this);
            json.set("where", whereJson(where));
            ArrayNode list = json.putArray("mutations");
            mutations.forEach(mutation -> list.add(mutation.toJson()));
            return json;
        }
    }

    /** Deletes every row matching {@code where}; the result's {@code count} says how many. */
    record Delete(String table, List<Condition> where) implements Operation {
        public Delete {
            Objects.requireNonNull(table, "table");
            where = List.copyOf(where);
        }

        @Override
        public String op() {
            return "delete";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header(this);
            json.set("where", whereJson(where));
            return json;
        }
    }

    /** Reads the rows matching {@code where}; {@code columns} empty means all columns. */
    record Select(String table, List<Condition> where, List<String> columns) implements Operation {
        public Select {
            Objects.requireNonNull(table, "table");
            where = List.copyOf(where);
            columns = List.copyOf(columns);
        }

        @Override
        public String op() {
            return "select";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header(this);
            json.set("where", whereJson(where));
            if (!columns.isEmpty()) {
                ArrayNode list = json.putArray("columns");
                columns.forEach(list::add);
            }
            return json;
        }
    }

    /**
     * Waits until the {@code columns} of the rows matching {@code where} equal ({@code untilEqual}) or differ from
     * {@code rows}; fails the transaction with {@code "timed out"} after {@code timeoutMillis} (0: check once,
     * null: wait forever). With {@code timeoutMillis = 0} this is the optimistic-concurrency guard: "what I
     * read is still true".
     */
    record Wait(String table, List<Condition> where, List<String> columns, boolean untilEqual,
                List<Map<String, Object>> rows, Long timeoutMillis) implements Operation {
        public Wait {
            Objects.requireNonNull(table, "table");
            where = List.copyOf(where);
            columns = List.copyOf(columns);
            rows = rows.stream().map(Operation::copy).toList();
        }

        @Override
        public String op() {
            return "wait";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = header(this);
            if (timeoutMillis != null) {
                json.put("timeout", timeoutMillis);
            }
            json.set("where", whereJson(where));
            ArrayNode columnList = json.putArray("columns");
            columns.forEach(columnList::add);
            json.put("until", untilEqual ? "==" : "!=");
            ArrayNode rowList = json.putArray("rows");
            rows.forEach(row -> rowList.add(rowJson(row)));
            return json;
        }
    }

    /** A comment for ovsdb-server's log and the database file's transaction record. */
    record Comment(String comment) implements Operation {
        public Comment {
            Objects.requireNonNull(comment, "comment");
        }

        @Override
        public String op() {
            return "comment";
        }

        @Override
        public String table() {
            return "";
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            json.put("op", "comment");
            json.put("comment", comment);
            return json;
        }
    }

    static Insert insert(String table, Map<String, Object> row) {
        return new Insert(table, row, null);
    }

    static Insert insert(String table, Map<String, Object> row, String uuidName) {
        return new Insert(table, row, uuidName);
    }

    static Update update(String table, List<Condition> where, Map<String, Object> row) {
        return new Update(table, where, row);
    }

    static Mutate mutate(String table, List<Condition> where, Mutation... mutations) {
        return new Mutate(table, where, List.of(mutations));
    }

    static Delete delete(String table, List<Condition> where) {
        return new Delete(table, where);
    }

    static Select select(String table, List<Condition> where, String... columns) {
        return new Select(table, where, List.of(columns));
    }

    /** Fails the transaction unless no row matches {@code where} (checked once, no waiting). */
    static Wait assertAbsent(String table, List<Condition> where) {
        return new Wait(table, where, List.of(), true, List.of(), 0L);
    }

    /** Fails the transaction unless the row with this uuid exists (checked once, no waiting). */
    static Wait assertExists(String table, java.util.UUID uuid) {
        return new Wait(table, List.of(Condition.uuidIs(uuid)), List.of("_uuid"), true,
                List.of(Map.of("_uuid", uuid)), 0L);
    }

    static Comment comment(String comment) {
        return new Comment(comment);
    }

    private static ObjectNode header(Operation operation) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("op", operation.op());
        json.put("table", operation.table());
        return json;
    }

    private static ArrayNode whereJson(List<Condition> where) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        where.forEach(condition -> list.add(condition.toJson()));
        return list;
    }

    private static ObjectNode rowJson(Map<String, Object> row) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        row.forEach((column, value) -> json.set(column, OvsdbValues.toJson(value)));
        return json;
    }

    private static Map<String, Object> copy(Map<String, Object> row) {
        Map<String, Object> copy = new LinkedHashMap<>();
        row.forEach((column, value) -> copy.put(Objects.requireNonNull(column, "column"),
                Objects.requireNonNull(value, () -> "value of column " + column)));
        return Collections.unmodifiableMap(copy);
    }
}
