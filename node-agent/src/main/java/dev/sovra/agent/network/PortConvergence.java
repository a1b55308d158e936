package dev.sovra.agent.network;

import dev.sovra.agent.network.ovsdb.Condition;
import dev.sovra.agent.network.ovsdb.Mutation;
import dev.sovra.agent.network.ovsdb.Operation;
import dev.sovra.agent.network.ovsdb.OperationResult;
import dev.sovra.agent.network.ovsdb.OvsBridges;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.network.ovsdb.PortSpec;
import dev.sovra.agent.network.ovsdb.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the integration bridge's ports exactly the desired ones, reading the current state from OVSDB each time
 * (nothing is remembered between calls, so a restarted agent converges the same way):
 * <ul>
 *   <li>ports the plane created (external id {@code sovra-kind}) that are no longer desired are removed; ports
 *       of others are left alone;</li>
 *   <li>desired ports are created or corrected, each with a stable {@code ofport_request} (the number it already
 *       has, else the lowest free one), so flows keep naming the right port across re-creation;</li>
 *   <li>a device port whose Linux device was re-created (a guest restarted: same tap name, new ifindex) is
 *       removed and added again. ovs-vswitchd's userspace datapath keeps reading the old, dead device otherwise;
 *       the ifindex at binding time is kept in the external id {@code sovra-ifindex}.</li>
 * </ul>
 */
final class PortConvergence {
    private static final Logger log = LoggerFactory.getLogger(PortConvergence.class);
    private static final String DB = OvsdbClient.OPEN_VSWITCH_DB;

    private final OvsdbClient client;
    private final OvsBridges bridges;
    private final VswitchdSync sync;
    private final String bridge;

    /** What converging did, and the OpenFlow numbers of the desired ports by name. */
    record Outcome(Map<String, Integer> ofports, int added, int removed, int rebound, List<String> notOpened) {
    }

    PortConvergence(OvsdbClient client, OvsBridges bridges, VswitchdSync sync, String bridge) {
        this.client = client;
        this.bridges = bridges;
        this.sync = sync;
        this.bridge = bridge;
    }

    Outcome converge(List<DesiredPort> desired) {
        Map<String, DesiredPort> wanted = new LinkedHashMap<>();
        desired.forEach(port -> wanted.put(port.name(), port));
        Map<String, BoundInterface> current = read();
        boolean changed = false;

        int removed = 0;
        for (BoundInterface bound : current.values()) {
            if (bound.ownedByPlane() && !wanted.containsKey(bound.name())) {
                bridges.removePort(bridge, bound.name());
                log.info("port removed bridge={} port={} kind={}", bridge, bound.name(), bound.externalIds().get(BoundInterface.KIND));
                removed++;
            }
        }
        current.values().removeIf(bound -> bound.ownedByPlane() && !wanted.containsKey(bound.name()));

        List<String> rebind = new ArrayList<>();
        for (DesiredPort port : wanted.values()) {
            BoundInterface bound = current.get(port.name());
            if (port.isDevice() && bound != null && bound.recordedIfindex() > 0 && bound.ifindex() > 0
                    && bound.ifindex() != bound.recordedIfindex()) {
                rebind.add(port.name());
            }
        }
        if (!rebind.isEmpty()) {
            for (String name : rebind) {
                bridges.removePort(bridge, name);
                log.info("port rebinding bridge={} port={} reason=device re-created ifindex={}->{}", bridge, name,
                        current.get(name).recordedIfindex(), current.get(name).ifindex());
            }
            // ovs-vswitchd must see the removal before the same name comes back, or it keeps the stale device.
            sync.await();
        }

        Set<Long> taken = new HashSet<>();
        current.values().forEach(b -> {
            b.ofport().ifPresent(taken::add);
            b.ofportRequest().ifPresent(taken::add);
        });
        int added = 0;
        for (DesiredPort port : wanted.values()) {
            BoundInterface bound = current.get(port.name());
            OptionalLong number = bound == null ? OptionalLong.empty() : bound.usableOfport();
            long ofport = number.isPresent() ? number.getAsLong() : lowestFree(taken);
            taken.add(ofport);
            PortSpec spec = port.spec().withOfportRequest((int) ofport);
            if (bridges.addPort(bridge, spec)) {
                changed = true;
                if (bound == null || rebind.contains(port.name())) {
                    added++;
                    log.info("port bound bridge={} port={} kind={} ofport={}", bridge, port.name(), port.kind().label(), ofport);
                }
            }
        }
        if (changed || removed > 0 || !rebind.isEmpty()) {
            sync.await();
        }

        Map<String, BoundInterface> after = read();
        recordIfindexes(wanted, after);
        Map<String, Integer> ofports = new LinkedHashMap<>();
        List<String> notOpened = new ArrayList<>();
        for (DesiredPort port : wanted.values()) {
            BoundInterface bound = after.get(port.name());
            if (bound == null) {
                throw new NetworkPlaneException("port " + port.name() + " missing on bridge " + bridge + " after adding it");
            }
            bound.usableOfport().ifPresent(n -> ofports.put(port.name(), (int) n));
            if (bound.ofport().isEmpty() || bound.ofport().getAsLong() <= 0) {
                notOpened.add(port.name() + (bound.error().isEmpty() ? "" : " (" + bound.error() + ")"));
            }
        }
        return new Outcome(ofports, added, removed, rebind.size(), notOpened);
    }

    /** Remembers the ifindex a device port was opened with, to notice when the device is re-created. */
    private void recordIfindexes(Map<String, DesiredPort> wanted, Map<String, BoundInterface> bound) {
        List<Operation> ops = new ArrayList<>();
        for (DesiredPort port : wanted.values()) {
            BoundInterface iface = bound.get(port.name());
            if (port.isDevice() && iface != null && iface.ifindex() > 0 && iface.ifindex() != iface.recordedIfindex()) {
                ops.add(new Operation.Mutate("Interface", List.of(Condition.eq("name", port.name())), List.of(
                        Mutation.delete("external_ids", List.of(BoundInterface.BOUND_IFINDEX)),
                        Mutation.insert("external_ids", Map.of(BoundInterface.BOUND_IFINDEX, Long.toString(iface.ifindex()))))));
            }
        }
        if (!ops.isEmpty()) {
            ops.add(Operation.comment("sovra: record ifindex of bound devices on " + bridge));
            client.transact(DB, ops);
        }
    }

    /** The bridge's ports (except its local port) with their first interface, by name, in one snapshot. */
    Map<String, BoundInterface> read() {
        List<OperationResult> read = client.transact(DB,
                Operation.select("Bridge", List.of(Condition.eq("name", bridge)), "ports"),
                Operation.select("Port", List.of(), "_uuid", "name", "interfaces"),
                Operation.select("Interface", List.of(), "_uuid", "name", "type", "external_ids", "ofport",
                        "ofport_request", "ifindex", "error"));
        List<Row> bridgeRows = read.get(0).rows();
        if (bridgeRows.isEmpty()) {
            throw new NetworkPlaneException("no bridge " + bridge);
        }
        Set<UUID> ports = new HashSet<>(bridgeRows.get(0).uuidSet("ports"));
        Map<UUID, Row> interfaces = new HashMap<>();
        read.get(2).rows().forEach(row -> interfaces.put(row.uuid(), row));
        Map<String, BoundInterface> result = new LinkedHashMap<>();
        for (Row port : read.get(1).rows()) {
            if (!ports.contains(port.uuid()) || port.string("name").equals(bridge)) {
                continue;
            }
            List<UUID> ifaceUuids = port.uuidSet("interfaces");
            Row iface = ifaceUuids.isEmpty() ? null : interfaces.get(ifaceUuids.get(0));
            if (iface == null) {
                continue;
            }
            result.put(port.string("name"), new BoundInterface(port.uuid(), port.string("name"), iface.string("type"),
                    iface.stringMap("external_ids"), iface.optionalInteger("ofport"), iface.optionalInteger("ofport_request"),
                    iface.optionalInteger("ifindex").orElse(0), iface.optionalString("error").orElse("")));
        }
        return result;
    }

    private static long lowestFree(Set<Long> taken) {
        for (long n = 1; n <= PortSpec.MAX_OFPORT; n++) {
            if (!taken.contains(n)) {
                return n;
            }
        }
        throw new NetworkPlaneException("no free OpenFlow port number left");
    }
}
