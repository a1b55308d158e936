package dev.sovra.agent.network;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The links of the namespaces the data plane creates (DHCP servers, routers): a veth pair from the node's namespace
 * into the service's, and the addresses on its inner end. Both converge from what the kernel shows, so they are safe
 * to call on every apply and after an agent restart.
 */
public final class NamespaceLinks {
    private static final Logger log = LoggerFactory.getLogger(NamespaceLinks.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HostCommands commands;

    public NamespaceLinks(HostCommands commands) {
        this.commands = Objects.requireNonNull(commands, "commands");
    }

    /**
     * A veth pair: {@code nodeDevice} in the node's namespace (enslaved to {@code master} if given), {@code inner} in
     * {@code netns} with {@code mac}. Re-created when either end is missing or the inner MAC is wrong.
     */
    public void ensureVeth(String netns, String nodeDevice, String inner, String mac, Optional<String> master) {
        HostCommands.Result node = commands.execInNode(List.of("ip", "-o", "link", "show", "dev", nodeDevice), TIMEOUT);
        HostCommands.Result in = commands.run(List.of("ip", "-n", netns, "-o", "link", "show", "dev", inner), TIMEOUT);
        if (node.ok() && in.ok() && in.stdout().contains("link/ether " + mac)) {
            if (master.isPresent() && !node.stdout().contains(" master " + master.get() + " ")) {
                commands.ipNode("link", "set", nodeDevice, "master", master.get());
            }
            return;
        }
        if (node.ok()) {
            commands.ipNode("link", "del", nodeDevice);
        }
        if (in.ok()) {
            commands.ipIn(netns, "link", "del", inner);
        }
        commands.ipNode("link", "add", nodeDevice, "type", "veth", "peer", "name", inner, "netns", netns);
        commands.ipIn(netns, "link", "set", inner, "address", mac);
        // The userspace datapath reads packets off the veth as the kernel left them: with checksum offload the kernel
        // leaves checksums unfinished (guests then drop DHCP replies, forwarded packets arrive corrupt). Make the
        // kernel finish them on both ends.
        HostCommands.check(commands.execIn(netns, List.of("ethtool", "-K", inner, "tx", "off"), TIMEOUT));
        HostCommands.check(commands.execInNode(List.of("ethtool", "-K", nodeDevice, "tx", "off"), TIMEOUT));
        master.ifPresent(bridge -> commands.ipNode("link", "set", nodeDevice, "master", bridge));
        commands.ipIn(netns, "link", "set", inner, "up");
        commands.ipNode("link", "set", nodeDevice, "up");
        log.info("veth created device={} netns={} inner={} mac={} master={}", nodeDevice, netns, inner, mac,
                master.orElse("none"));
    }

    /** Exactly {@code wanted} (address/prefix) as IPv4 addresses of {@code device} in {@code netns}. */
    public void ensureAddresses(String netns, String device, Set<String> wanted) {
        String out = commands.ipIn(netns, "-4", "-o", "addr", "show", "dev", device).stdout();
        Set<String> present = new LinkedHashSet<>();
        out.lines().forEach(line -> {
            String[] words = line.trim().split("\\s+");
            for (int i = 0; i + 1 < words.length; i++) {
                if (words[i].equals("inet")) {
                    present.add(words[i + 1]);
                }
            }
        });
        for (String address : present) {
            if (!wanted.contains(address)) {
                commands.ipIn(netns, "addr", "del", address, "dev", device);
            }
        }
        for (String address : wanted) {
            if (!present.contains(address)) {
                commands.ipIn(netns, "addr", "add", address, "dev", device);
            }
        }
    }
}
