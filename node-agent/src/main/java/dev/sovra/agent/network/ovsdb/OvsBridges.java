package dev.sovra.agent.network.ovsdb;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The bridge and port operations the agent needs, on the {@code Open_vSwitch} database.
 *
 * <p>Every change is ONE OVSDB transaction, so a crash or a concurrent writer never leaves half a port behind.
 * Changes are idempotent ("ensure" semantics, returning whether anything changed), built as read, then write
 * guarded by {@code wait} operations that re-check what was read (optimistic concurrency, like ovs-vsctl's
 * verify); if a guard fails because someone else changed the rows meanwhile, the read and write are retried.
 *
 * <p>Bridge, Port and Interface are not root tables: ovsdb-server garbage-collects a row nobody references at
 * commit. So a new Bridge is inserted together with the mutation that adds it to the root {@code Open_vSwitch}
 * row's {@code bridges} set (the root row is created if the database has none yet), a new Port together with
 * the mutation of its Bridge's {@code ports}, and removing a port or bridge is just dropping that reference.
 *
 * <p>Like {@code ovs-vsctl --no-wait}, this does not wait for ovs-vswitchd to apply the change.
 */
public final class OvsBridges {
    private static final String DB = OvsdbClient.OPEN_VSWITCH_DB;
    private static final String ROOT = "Open_vSwitch";
    private static final String BRIDGE = "Bridge";
    private static final String PORT = "Port";
    private static final String INTERFACE = "Interface";
    private static final int MAX_ATTEMPTS = 5;
    /** Linux IFNAMSIZ - 1: a bridge's local port is a network device of the same name. */
    private static final int MAX_DEVICE_NAME = 15;

    private final OvsdbClient client;

    public OvsBridges(OvsdbClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    // ---------------------------------------------------------------- bridges

    /**
     * Makes sure bridge {@code name} exists with this datapath type: creates it (with its local internal port, as
     * {@code ovs-vsctl add-br} does) or corrects its {@code datapath_type}.
     *
     * @return true if something was created or changed
     */
    public boolean ensureBridge(String name, DatapathType datapathType) {
        checkDeviceName(name);
        Objects.requireNonNull(datapathType, "datapathType");
        return withRetries("ensure bridge " + name, () -> {
            List<OperationResult> read = client.transact(DB,
                    Operation.select(ROOT, List.of(), "_uuid"),
                    Operation.select(BRIDGE, List.of(Condition.eq("name", name)), "_uuid", "datapath_type"));
            List<Row> bridges = read.get(1).rows();
            if (!bridges.isEmpty()) {
                Row bridge = bridges.get(0);
                if (datapathType.matches(bridge.string("datapath_type"))) {
                    return false;
                }
                client.transact(DB,
                        Operation.update(BRIDGE, List.of(Condition.uuidIs(bridge.uuid())),
                                Map.of("datapath_type", datapathType.wireName())),
                        Operation.comment("sovra: set datapath_type of bridge " + name + " to " + datapathType.wireName()));
                return true;
            }
            List<Operation> ops = new ArrayList<>();
            ops.add(Operation.assertAbsent(BRIDGE, List.of(Condition.eq("name", name))));
            ops.add(Operation.insert(INTERFACE, Map.of("name", name, "type", "internal"), "iface"));
            ops.add(Operation.insert(PORT, Map.of("name", name, "interfaces", List.of(new NamedUuid("iface"))), "port"));
            ops.add(Operation.insert(BRIDGE, Map.of("name", name, "ports", List.of(new NamedUuid("port")),
                    "datapath_type", datapathType.wireName()), "bridge"));
            ops.addAll(addToRoot(read.get(0).rows(), new NamedUuid("bridge")));
            ops.add(Operation.comment("sovra: add bridge " + name));
            client.transact(DB, ops);
            return true;
        });
    }

    /** The bridge named {@code name}, if it exists. */
    public Optional<BridgeInfo> bridge(String name) {
        List<Row> rows = client.transact(DB, Operation.select(BRIDGE, List.of(Condition.eq("name", name)),
                "_uuid", "name", "datapath_type", "ports")).get(0).rows();
        return rows.stream().findFirst().map(OvsBridges::bridgeInfo);
    }

    /** All bridges, by name. */
    public List<BridgeInfo> listBridges() {
        return client.transact(DB, Operation.select(BRIDGE, List.of(), "_uuid", "name", "datapath_type", "ports"))
                .get(0).rows().stream().map(OvsBridges::bridgeInfo)
                .sorted(Comparator.comparing(BridgeInfo::name)).toList();
    }

    /**
     * Removes bridge {@code name} (with its ports and interfaces) by dropping it from the root row's
     * {@code bridges}; ovsdb-server garbage-collects the rest.
     *
     * @return false if there was no such bridge
     */
    public boolean deleteBridge(String name) {
        Optional<BridgeInfo> bridge = bridge(name);
        if (bridge.isEmpty()) {
            return false;
        }
        client.transact(DB,
                Operation.mutate(ROOT, List.of(), Mutation.delete("bridges", List.of(bridge.get().uuid()))),
                Operation.comment("sovra: delete bridge " + name));
        return true;
    }

    // ---------------------------------------------------------------- ports

    /**
     * Makes sure port {@code spec.name()} with its interface exists on {@code bridge} as the spec says: creates
     * both (already tagged, so an access port never carries untagged traffic, not even briefly), or converges
     * an existing one's tag, interface type and options and the spec's external ids.
     *
     * @return true if something was created or changed
     * @throws OvsdbException {@code NOT_FOUND} if the bridge does not exist; {@code CONFLICT} if the port or
     *     interface name is already used on another bridge or by another port
     */
    public boolean addPort(String bridge, PortSpec spec) {
        Objects.requireNonNull(spec, "spec");
        return withRetries("add port " + spec.name() + " to " + bridge, () -> {
            List<OperationResult> read = client.transact(DB,
                    Operation.select(BRIDGE, List.of(), "_uuid", "name", "datapath_type", "ports"),
                    Operation.select(PORT, List.of(Condition.eq("name", spec.name())),
                            "_uuid", "interfaces", "tag", "external_ids"),
                    Operation.select(INTERFACE, List.of(Condition.eq("name", spec.name())),
                            "_uuid", "type", "options", "external_ids", "ofport_request"));
            List<BridgeInfo> bridges = read.get(0).rows().stream().map(OvsBridges::bridgeInfo).toList();
            BridgeInfo target = bridges.stream().filter(b -> b.name().equals(bridge)).findFirst()
                    .orElseThrow(() -> new OvsdbException(OvsdbException.Code.NOT_FOUND, "no bridge " + bridge));
            List<Row> ports = read.get(1).rows();
            List<Row> interfaces = read.get(2).rows();
            if (ports.isEmpty()) {
                if (!interfaces.isEmpty()) {
                    throw new OvsdbException(OvsdbException.Code.CONFLICT,
                            "interface " + spec.name() + " already belongs to another port");
                }
                return createPort(target, spec);
            }
            Row port = ports.get(0);
            Optional<BridgeInfo> owner = bridges.stream().filter(b -> b.ports().contains(port.uuid())).findFirst();
            if (owner.isEmpty() || !owner.get().uuid().equals(target.uuid())) {
                throw new OvsdbException(OvsdbException.Code.CONFLICT, "port " + spec.name() + " is on bridge "
                        + owner.map(BridgeInfo::name).orElse("(none)") + ", not " + bridge);
            }
            Row iface = interfaces.stream().filter(i -> port.uuidSet("interfaces").contains(i.uuid())).findFirst()
                    .orElseThrow(() -> new OvsdbException(OvsdbException.Code.CONFLICT,
                            "port " + spec.name() + " has no interface of the same name"));
            return convergePort(port, iface, spec);
        });
    }

    private boolean createPort(BridgeInfo bridge, PortSpec spec) {
        Map<String, Object> interfaceRow = new LinkedHashMap<>();
        interfaceRow.put("name", spec.name());
        interfaceRow.put("type", spec.interfaceType());
        interfaceRow.put("options", spec.interfaceOptions());
        interfaceRow.put("external_ids", spec.sortedExternalIds());
        interfaceRow.put("ofport_request", spec.ofportRequest());
        Map<String, Object> portRow = new LinkedHashMap<>();
        portRow.put("name", spec.name());
        portRow.put("interfaces", List.of(new NamedUuid("iface")));
        portRow.put("external_ids", spec.sortedExternalIds());
        portRow.put("tag", spec.tag());
        client.transact(DB,
                Operation.assertAbsent(PORT, List.of(Condition.eq("name", spec.name()))),
                Operation.assertExists(BRIDGE, bridge.uuid()),
                Operation.insert(INTERFACE, interfaceRow, "iface"),
                Operation.insert(PORT, portRow, "port"),
                Operation.mutate(BRIDGE, List.of(Condition.uuidIs(bridge.uuid())),
                        Mutation.insert("ports", List.of(new NamedUuid("port")))),
                Operation.comment("sovra: add port " + spec.name() + " to bridge " + bridge.name()));
        return true;
    }

    private boolean convergePort(Row port, Row iface, PortSpec spec) {
        boolean tagOk = sameOptionalInt(port.optionalInteger("tag"), spec.tag());
        boolean portIdsOk = containsAll(port.stringMap("external_ids"), spec.externalIds());
        boolean typeOk = normaliseType(iface.string("type")).equals(normaliseType(spec.interfaceType()));
        boolean optionsOk = iface.stringMap("options").equals(spec.interfaceOptions());
        boolean ifaceIdsOk = containsAll(iface.stringMap("external_ids"), spec.externalIds());
        // An unset request leaves whatever is stored (ovs-vswitchd chose the number); a set one must match.
        boolean ofportOk = spec.ofportRequest().isEmpty()
                || sameOptionalInt(iface.optionalInteger("ofport_request"), spec.ofportRequest());
        if (tagOk && portIdsOk && typeOk && optionsOk && ifaceIdsOk && ofportOk) {
            return false;
        }
        List<Operation> ops = new ArrayList<>();
        ops.add(Operation.update(PORT, List.of(Condition.uuidIs(port.uuid())), Map.of("tag", spec.tag())));
        Map<String, Object> interfaceColumns = new LinkedHashMap<>();
        interfaceColumns.put("type", spec.interfaceType());
        interfaceColumns.put("options", spec.interfaceOptions());
        spec.ofportRequest().ifPresent(number -> interfaceColumns.put("ofport_request", number));
        ops.add(Operation.update(INTERFACE, List.of(Condition.uuidIs(iface.uuid())), interfaceColumns));
        if (!spec.externalIds().isEmpty()) {
            // Replace our keys, keep everybody else's: delete the keys, then insert the pairs (in one mutate).
            Mutation deleteKeys = Mutation.delete("external_ids", List.copyOf(spec.sortedExternalIds().keySet()));
            Mutation insertPairs = Mutation.insert("external_ids", spec.sortedExternalIds());
            ops.add(new Operation.Mutate(PORT, List.of(Condition.uuidIs(port.uuid())), List.of(deleteKeys, insertPairs)));
            ops.add(new Operation.Mutate(INTERFACE, List.of(Condition.uuidIs(iface.uuid())), List.of(deleteKeys, insertPairs)));
        }
        ops.add(Operation.comment("sovra: update port " + spec.name()));
        client.transact(DB, ops);
        return true;
    }

    /**
     * Removes port {@code port} (and its interfaces) from {@code bridge}.
     *
     * @return false if there was no such port
     * @throws OvsdbException {@code CONFLICT} if the port exists on another bridge
     */
    public boolean removePort(String bridge, String port) {
        List<OperationResult> read = client.transact(DB,
                Operation.select(BRIDGE, List.of(Condition.eq("name", bridge)), "_uuid", "ports"),
                Operation.select(PORT, List.of(Condition.eq("name", port)), "_uuid"));
        List<Row> ports = read.get(1).rows();
        if (ports.isEmpty()) {
            return false;
        }
        UUID portUuid = ports.get(0).uuid();
        List<Row> bridges = read.get(0).rows();
        if (bridges.isEmpty() || !bridges.get(0).uuidSet("ports").contains(portUuid)) {
            throw new OvsdbException(OvsdbException.Code.CONFLICT, "port " + port + " is not on bridge " + bridge);
        }
        client.transact(DB,
                Operation.mutate(BRIDGE, List.of(Condition.uuidIs(bridges.get(0).uuid())),
                        Mutation.delete("ports", List.of(portUuid))),
                Operation.comment("sovra: remove port " + port + " from bridge " + bridge));
        return true;
    }

    /** Makes {@code port} an access port of VLAN {@code tag} (0-4095). */
    public void setPortTag(String port, int tag) {
        checkVlanTag(tag);
        updatePortTag(port, OptionalInt.of(tag));
    }

    /** Removes {@code port}'s VLAN tag (the port then carries untagged traffic, or trunks). */
    public void clearPortTag(String port) {
        updatePortTag(port, OptionalInt.empty());
    }

    private void updatePortTag(String port, OptionalInt tag) {
        long count = client.transact(DB,
                Operation.update(PORT, List.of(Condition.eq("name", port)), Map.of("tag", tag)),
                Operation.comment("sovra: set tag of port " + port + " to " + (tag.isPresent() ? tag.getAsInt() : "none")))
                .get(0).count();
        if (count == 0) {
            throw new OvsdbException(OvsdbException.Code.NOT_FOUND, "no port " + port);
        }
    }

    /**
     * The ports of {@code bridge} with their interfaces and external ids, by name, read in one transaction (a
     * consistent snapshot). Like {@code ovs-vsctl list-ports}, the bridge's own local port is left out.
     *
     * @throws OvsdbException {@code NOT_FOUND} if the bridge does not exist
     */
    public List<PortInfo> listPorts(String bridge) {
        List<OperationResult> read = client.transact(DB,
                Operation.select(BRIDGE, List.of(Condition.eq("name", bridge)), "ports"),
                Operation.select(PORT, List.of(), "_uuid", "name", "tag", "interfaces", "external_ids"),
                Operation.select(INTERFACE, List.of(), "_uuid", "name", "type", "external_ids"));
        List<Row> bridges = read.get(0).rows();
        if (bridges.isEmpty()) {
            throw new OvsdbException(OvsdbException.Code.NOT_FOUND, "no bridge " + bridge);
        }
        List<UUID> portUuids = bridges.get(0).uuidSet("ports");
        Map<UUID, Row> interfaces = new HashMap<>();
        read.get(2).rows().forEach(row -> interfaces.put(row.uuid(), row));
        List<PortInfo> result = new ArrayList<>();
        for (Row port : read.get(1).rows()) {
            if (!portUuids.contains(port.uuid()) || port.string("name").equals(bridge)) {
                continue;
            }
            List<PortInfo.InterfaceInfo> portInterfaces = new ArrayList<>();
            for (UUID uuid : port.uuidSet("interfaces")) {
                Row iface = interfaces.get(uuid);
                if (iface != null) {
                    portInterfaces.add(new PortInfo.InterfaceInfo(uuid, iface.string("name"), iface.string("type"),
                            iface.stringMap("external_ids")));
                }
            }
            portInterfaces.sort(Comparator.comparing(PortInfo.InterfaceInfo::name));
            OptionalLong tag = port.optionalInteger("tag");
            result.add(new PortInfo(port.uuid(), port.string("name"),
                    tag.isPresent() ? OptionalInt.of((int) tag.getAsLong()) : OptionalInt.empty(),
                    port.stringMap("external_ids"), portInterfaces));
        }
        result.sort(Comparator.comparing(PortInfo::name));
        return List.copyOf(result);
    }

    // ---------------------------------------------------------------- helpers

    /** The operations that make the root row reference {@code bridge}, guarded so the reference cannot miss. */
    private static List<Operation> addToRoot(List<Row> roots, NamedUuid bridge) {
        if (roots.isEmpty()) {
            // A database fresh from ovsdb-tool create: no root row yet (ovs-vsctl init would add one).
            return List.of(
                    Operation.assertAbsent(ROOT, List.of()),
                    Operation.insert(ROOT, Map.of("bridges", List.of(bridge))));
        }
        if (roots.size() > 1) {
            throw new OvsdbException(OvsdbException.Code.CONFLICT, "Open_vSwitch table has " + roots.size() + " rows");
        }
        UUID root = roots.get(0).uuid();
        return List.of(
                Operation.assertExists(ROOT, root),
                Operation.mutate(ROOT, List.of(Condition.uuidIs(root)), Mutation.insert("bridges", List.of(bridge))));
    }

    private static <T> T withRetries(String what, Supplier<T> attempt) {
        OvsdbException last = null;
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            try {
                return attempt.get();
            } catch (OvsdbException e) {
                if (!e.isWaitFailure()) {
                    throw e;
                }
                last = e; // someone changed what we read: read again
            }
        }
        throw new OvsdbException(OvsdbException.Code.CONFLICT, what + ": the database kept changing underneath ("
                + MAX_ATTEMPTS + " attempts)", null, null, -1, null, last);
    }

    private static BridgeInfo bridgeInfo(Row row) {
        return new BridgeInfo(row.uuid(), row.string("name"), row.string("datapath_type"), row.uuidSet("ports"));
    }

    private static boolean sameOptionalInt(OptionalLong stored, OptionalInt wanted) {
        return stored.isPresent() == wanted.isPresent()
                && (stored.isEmpty() || stored.getAsLong() == wanted.getAsInt());
    }

    private static boolean containsAll(Map<String, String> stored, Map<String, String> wanted) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(stored.get(e.getKey())));
    }

    private static String normaliseType(String type) {
        return "system".equals(type) ? "" : type;
    }

    static void checkVlanTag(int tag) {
        if (tag < 0 || tag > 4095) {
            throw new IllegalArgumentException("VLAN tag must be 0-4095: " + tag);
        }
    }

    private static void checkDeviceName(String name) {
        if (name == null || name.isBlank() || name.length() > MAX_DEVICE_NAME || name.contains("/")) {
            throw new IllegalArgumentException("bridge name must be 1-" + MAX_DEVICE_NAME + " characters without '/': " + name);
        }
    }
}
