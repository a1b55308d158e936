package dev.sovra.agent.network;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves guests' taps into the node's network namespace, for tests that emulate several hosts on one machine
 * ({@code NetworkPlaneConfig.nodeNetns}): libvirt creates a tap in its own namespace (the agent's), but there the
 * node's ovs-vswitchd cannot open it. A tap can change namespace while QEMU holds it; it disappears with its guest
 * as before (libvirt's taps are not persistent). On a real host the node's OVS shares libvirtd's namespace and
 * nothing moves.
 *
 * <p>Idempotent: a tap that is not (or no longer) in the agent's namespace is left alone, so a restarted agent
 * finds the taps it moved earlier already in place.
 */
final class GuestTaps {
    private static final Logger log = LoggerFactory.getLogger(GuestTaps.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HostCommands commands;

    GuestTaps(HostCommands commands) {
        this.commands = commands;
    }

    /** Moves those of {@code devices} that are in the agent's namespace into the node's, and sets them up there. */
    void claim(Collection<String> devices) {
        String netns = commands.nodeNetns().orElse(null);
        if (netns == null || devices.isEmpty()) {
            return;
        }
        Set<String> here = linksHere();
        for (String device : devices) {
            if (!here.contains(device)) {
                continue; // not created yet, or already in the node's namespace
            }
            HostCommands.Result moved = commands.run(List.of("ip", "link", "set", "dev", device, "netns", netns), TIMEOUT);
            if (!moved.ok()) {
                if (!linksHere().contains(device)) {
                    continue; // the guest stopped meanwhile: its tap is gone
                }
                HostCommands.check(moved);
            }
            commands.ipNode("link", "set", "dev", device, "up"); // a device that changes namespace arrives down
            log.info("guest tap moved device={} netns={}", device, netns);
        }
    }

    /** Names of the links in the agent's own namespace. */
    private Set<String> linksHere() {
        String out = HostCommands.check(commands.run(List.of("ip", "-o", "link", "show"), TIMEOUT)).stdout();
        // "7: tn525400aabbcc: <BROADCAST,...> ..." (a veth end shows as "name@peer")
        return out.lines().map(line -> line.split(":\\s+", 3)).filter(parts -> parts.length >= 2)
                .map(parts -> parts[1].split("@", 2)[0]).collect(Collectors.toSet());
    }
}
