package dev.sovra.agent.network;

import dev.sovra.agent.network.ovsdb.Mutation;
import dev.sovra.agent.network.ovsdb.Operation;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.network.ovsdb.Row;
import java.time.Duration;
import java.util.List;

/**
 * Waits until ovs-vswitchd has applied the database as it is now, the way {@code ovs-vsctl} does without
 * {@code --no-wait}: bump {@code Open_vSwitch.next_cfg}, then wait for ovs-vswitchd to copy it to {@code cur_cfg}.
 * Needed before reading what ovs-vswitchd fills in (ofport, ifindex, datapath_id) and between removing and
 * re-adding a port of the same name (otherwise ovs-vswitchd never sees the removal).
 */
final class VswitchdSync {
    private static final String DB = OvsdbClient.OPEN_VSWITCH_DB;
    private static final String ROOT = "Open_vSwitch";
    private static final long POLL_MILLIS = 10;

    private final OvsdbClient client;
    private final Duration timeout;

    VswitchdSync(OvsdbClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** Returns once ovs-vswitchd has caught up; fails after the timeout (ovs-vswitchd not running or stuck). */
    void await() {
        List<Row> rows = client.transact(DB,
                Operation.mutate(ROOT, List.of(), Mutation.add("next_cfg", 1)),
                Operation.select(ROOT, List.of(), "next_cfg")).get(1).rows();
        if (rows.size() != 1) {
            throw new NetworkPlaneException("expected one Open_vSwitch row, found " + rows.size());
        }
        long target = rows.get(0).integer("next_cfg");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long current = client.transact(DB, Operation.select(ROOT, List.of(), "cur_cfg")).get(0).rows().get(0)
                    .integer("cur_cfg");
            if (current >= target) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new NetworkPlaneException("ovs-vswitchd did not apply the configuration within " + timeout
                        + " (cur_cfg " + current + ", next_cfg " + target + "): is ovs-vswitchd running on "
                        + client.socketPath() + "?");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NetworkPlaneException("interrupted while waiting for ovs-vswitchd", e);
            }
        }
    }
}
