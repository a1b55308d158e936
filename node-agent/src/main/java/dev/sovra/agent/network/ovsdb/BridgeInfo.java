package dev.sovra.agent.network.ovsdb;

import java.util.List;
import java.util.UUID;

/** A Bridge row: its uuid, name, stored {@code datapath_type} ({@code ""} means system) and port uuids. */
public record BridgeInfo(UUID uuid, String name, String datapathType, List<UUID> ports) {
    public BridgeInfo {
        ports = List.copyOf(ports);
    }
}
