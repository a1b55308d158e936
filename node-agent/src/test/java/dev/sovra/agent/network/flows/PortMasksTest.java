package dev.sovra.agent.network.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovra.model.network.PortRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortMasksTest {

    @Test
    void singlePortIsAnExactMatch() {
        assertEquals(List.of("22"), PortMasks.cover(PortRange.single(22)));
    }

    @Test
    void alignedBlockIsOneMaskedMatch() {
        assertEquals(List.of("0x0400/0xfc00"), PortMasks.cover(new PortRange(1024, 2047)));
    }

    @Test
    void everyPortOfARangeIsCoveredExactlyOnce() {
        for (PortRange range : List.of(new PortRange(1000, 1999), new PortRange(1, 65535), new PortRange(8080, 8090),
                new PortRange(65535, 65535), new PortRange(3, 5))) {
            List<String> masks = PortMasks.cover(range);
            for (int port = 1; port <= 65535; port++) {
                int hits = 0;
                for (String mask : masks) {
                    hits += matches(mask, port) ? 1 : 0;
                }
                assertEquals(port >= range.min() && port <= range.max() ? 1 : 0, hits, "port " + port + " in " + range);
            }
        }
        assertEquals(7, PortMasks.cover(new PortRange(1000, 1999)).size());
        assertEquals(16, PortMasks.cover(PortRange.ALL).size());
    }

    private static boolean matches(String match, int port) {
        if (!match.contains("/")) {
            return Integer.parseInt(match) == port;
        }
        String[] parts = match.split("/");
        int value = Integer.decode(parts[0]);
        int mask = Integer.decode(parts[1]);
        return (port & mask) == value;
    }
}
