package dev.sovra.model;

import java.util.Objects;
import java.util.regex.Pattern;

/** A virtual NIC: its MAC and the node-local bridge (an Open vSwitch bridge) its tap port joins. */
public record NicSpec(String name, String mac, String bridge) {
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

    public NicSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bridge, "bridge");
        if (mac == null || !MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("nic " + name + " needs a lower-case MAC address, was " + mac);
        }
    }
}
