package dev.sovra.agent.network.ovsdb;

import java.util.List;

/**
 * Receives a monitor's row changes, first the initial contents ({@code initial = true}, delivered once, before
 * any update), then every {@code update} notification, in order, on the client's event thread (one thread for
 * all monitors of a client). A listener may call the client's blocking methods; while it runs, later
 * notifications wait.
 */
@FunctionalInterface
public interface MonitorListener {
    void onUpdate(List<RowUpdate> updates, boolean initial);
}
