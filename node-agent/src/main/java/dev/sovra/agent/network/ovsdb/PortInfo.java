package dev.sovra.agent.network.ovsdb;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;

/** A port of a bridge as {@link OvsBridges#listPorts} reads it, with its interfaces. */
public record PortInfo(UUID uuid, String name, OptionalInt tag, Map<String, String> externalIds,
                       List<InterfaceInfo> interfaces) {

    /** An Interface row of the port. */
    public record InterfaceInfo(UUID uuid, String name, String type, Map<String, String> externalIds) {
        public InterfaceInfo {
            externalIds = Map.copyOf(externalIds);
        }
    }

    public PortInfo {
        externalIds = Map.copyOf(externalIds);
        interfaces = List.copyOf(interfaces);
    }
}
