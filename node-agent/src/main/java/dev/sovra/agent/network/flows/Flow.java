package dev.sovra.agent.network.flows;

import java.util.Objects;

/**
 * One OpenFlow flow in {@code ovs-ofctl} syntax. Two flows with the same table, priority and match are the same
 * flow to the switch ({@code replace-flows} then only compares their actions).
 *
 * @param match the match fields, comma separated ({@code ""}: match everything)
 * @param actions the instructions ({@code drop}, {@code goto_table:N}, ...)
 */
public record Flow(int table, int priority, String match, String actions) {
    /** Marks every flow the network plane writes (a flow with another cookie was written by someone else). */
    public static final long COOKIE = 0x50a7a0L;

    public Flow {
        if (table < 0 || table > 253) {
            throw new IllegalArgumentException("table must be 0-253: " + table);
        }
        if (priority < 0 || priority > 65535) {
            throw new IllegalArgumentException("priority must be 0-65535: " + priority);
        }
        Objects.requireNonNull(match, "match");
        if (actions == null || actions.isBlank()) {
            throw new IllegalArgumentException("flow needs actions (use \"drop\"): table=" + table + " " + match);
        }
    }

    /** The flow as one line of an {@code ovs-ofctl add-flows/replace-flows} file. */
    public String toOfctl() {
        return "table=" + table + ",priority=" + priority + ",cookie=0x" + Long.toHexString(COOKIE)
                + (match.isEmpty() ? "" : "," + match) + " actions=" + actions;
    }
}
