package dev.sovra.agent.network;

import dev.sovra.agent.network.ovsdb.Condition;
import dev.sovra.agent.network.ovsdb.DatapathType;
import dev.sovra.agent.network.ovsdb.Operation;
import dev.sovra.agent.network.ovsdb.OvsBridges;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.network.ovsdb.Row;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integration bridge itself: exists, on a datapath that works on this host, in {@code secure} fail mode (no
 * implicit NORMAL flow: only the pipeline's flows forward anything) and speaking the OpenFlow versions
 * {@code ovs-ofctl} uses.
 */
final class IntegrationBridge {
    private static final Logger log = LoggerFactory.getLogger(IntegrationBridge.class);
    private static final String DB = OvsdbClient.OPEN_VSWITCH_DB;
    /** A throwaway bridge to find out whether the kernel datapath works. */
    static final String PROBE_BRIDGE = "sovra-dpprobe";
    static final Set<String> PROTOCOLS = Set.of("OpenFlow13", "OpenFlow14", "OpenFlow15");

    private final OvsdbClient client;
    private final OvsBridges bridges;
    private final VswitchdSync sync;
    private final String name;

    IntegrationBridge(OvsdbClient client, OvsBridges bridges, VswitchdSync sync, String name) {
        this.client = client;
        this.bridges = bridges;
        this.sync = sync;
        this.name = name;
    }

    /**
     * Creates or corrects the bridge; an existing bridge keeps its datapath (switching would drop every port's
     * traffic), a new one gets the kernel datapath if it works here, else the userspace one.
     *
     * @return the bridge's datapath type
     */
    DatapathType ensure() {
        Optional<DatapathType> existing = bridges.bridge(name).map(b -> DatapathType.NETDEV.matches(b.datapathType())
                ? DatapathType.NETDEV : DatapathType.SYSTEM);
        DatapathType type = existing.orElseGet(this::probeDatapath);
        if (bridges.ensureBridge(name, type)) {
            log.info("integration bridge created bridge={} datapath={}", name, type.wireName());
        }
        ensureSettings();
        return type;
    }

    /**
     * Tries the kernel datapath with a throwaway bridge: ovs-vswitchd sets the bridge's {@code datapath_id} only if
     * it could open the datapath (it cannot without the openvswitch kernel module).
     */
    DatapathType probeDatapath() {
        bridges.ensureBridge(PROBE_BRIDGE, DatapathType.SYSTEM);
        try {
            sync.await();
            List<Row> rows = client.transact(DB, Operation.select("Bridge", List.of(Condition.eq("name", PROBE_BRIDGE)),
                    "datapath_id")).get(0).rows();
            boolean kernelWorks = !rows.isEmpty() && rows.get(0).optionalString("datapath_id").isPresent();
            DatapathType type = kernelWorks ? DatapathType.SYSTEM : DatapathType.NETDEV;
            log.info("datapath probe kernelDatapath={} chosen={}", kernelWorks, type.wireName());
            return type;
        } finally {
            bridges.deleteBridge(PROBE_BRIDGE);
            sync.await();
        }
    }

    private void ensureSettings() {
        Row row = client.transact(DB, Operation.select("Bridge", List.of(Condition.eq("name", name)),
                "_uuid", "fail_mode", "protocols")).get(0).rows().get(0);
        Set<String> protocols = new TreeSet<>();
        row.set("protocols").forEach(p -> protocols.add(p.asText()));
        Map<String, Object> changes = new LinkedHashMap<>();
        if (!"secure".equals(row.optionalString("fail_mode").orElse(""))) {
            changes.put("fail_mode", "secure");
        }
        if (!protocols.equals(PROTOCOLS)) {
            changes.put("protocols", new TreeSet<>(PROTOCOLS));
        }
        if (!changes.isEmpty()) {
            client.transact(DB,
                    Operation.update("Bridge", List.of(Condition.uuidIs(row.uuid())), changes),
                    Operation.comment("sovra: settings of integration bridge " + name));
            log.info("integration bridge settings bridge={} changed={}", name, changes.keySet());
        }
    }
}
