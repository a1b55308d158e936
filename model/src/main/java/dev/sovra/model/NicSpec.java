package dev.sovra.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A virtual NIC: the tap device the hypervisor creates for it and its MAC. The node's network plane binds the tap
 * to its integration bridge (the NIC's port in the node's {@code NodeDesired.network}).
 */
public record NicSpec(String device, String mac) {
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

    public NicSpec {
        if (device == null || device.isEmpty() || device.length() > 15 || device.contains("/")) {
            throw new IllegalArgumentException("nic needs a Linux device name (1-15 characters), was " + device);
        }
        if (mac == null || !MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("nic " + device + " needs a lower-case MAC address, was " + mac);
        }
    }
}
