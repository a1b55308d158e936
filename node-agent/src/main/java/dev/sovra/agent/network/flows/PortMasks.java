package dev.sovra.agent.network.flows;

import dev.sovra.model.network.PortRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a port range into value/mask matches (OpenFlow matches ports with bit masks, not ranges): the fewest
 * aligned power-of-two blocks that cover exactly the range, e.g. 1000-1999 -> 7 matches.
 */
public final class PortMasks {

    private PortMasks() {
    }

    /** The matches as {@code ovs-ofctl} values: {@code 22} or {@code 0x0400/0xfc00}. */
    public static List<String> cover(PortRange range) {
        List<String> matches = new ArrayList<>();
        int port = range.min();
        while (port <= range.max()) {
            // The largest block that starts at port (aligned) and does not run past max.
            int size = port == 0 ? 1 << 16 : Integer.lowestOneBit(port);
            while (port + size - 1 > range.max()) {
                size >>= 1;
            }
            if (size == 1) {
                matches.add(Integer.toString(port));
            } else {
                matches.add(String.format("0x%04x/0x%04x", port, 0xffff & ~(size - 1)));
            }
            port += size;
        }
        return List.copyOf(matches);
    }
}
