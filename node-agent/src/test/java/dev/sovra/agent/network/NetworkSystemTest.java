package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Preconditions of the data plane system tests, checked as JUnit assumptions (skipped with the reason). */
final class NetworkSystemTest {
    static final List<String> TOOLS = List.of("ovsdb-server", "ovsdb-tool", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl",
            "ovs-appctl", "qemu-system-x86_64", "dnsmasq", "ethtool", "ip");

    private NetworkSystemTest() {
    }

    /** Root, the tools, and the test guest with the command channel; returns the guest image. */
    static TestGuest.Guest require() {
        assumeTrue(TestGuest.isRoot(), "skipped: the data plane tests need root (network namespaces, OVS, QEMU taps)");
        for (String tool : TOOLS) {
            assumeTrue(onPath(tool), "skipped: " + tool + " not installed (scripts/host-setup.sh installs it)");
        }
        Path dir = TestGuest.directory();
        TestGuest.Guest guest = new TestGuest.Guest(dir.resolve("vmlinux"), dir.resolve("initrd.gz"));
        String stamp;
        try {
            stamp = Files.isRegularFile(dir.resolve(".stamp")) ? Files.readString(dir.resolve(".stamp")) : "";
        } catch (IOException e) {
            stamp = "";
        }
        assumeTrue(Files.isRegularFile(guest.kernel()) && stamp.matches("(?s).*features=\\S*ctl.*"),
                "skipped: test guest with command channel not built in " + dir
                        + "; run scripts/build-test-guest.sh (or set SOVRA_TEST_GUEST to its output directory)");
        return guest;
    }

    /** The routers' tools (iptables in their namespaces) and the tests' outside service (python3, busybox nc). */
    static void requireRouterTools() {
        for (String tool : List.of("iptables-restore", "sysctl", "python3", "busybox")) {
            assumeTrue(onPath(tool), "skipped: " + tool + " not installed");
        }
    }

    /** A short random prefix for namespaces and devices, so concurrent or crashed runs do not collide. */
    static String randomPrefix() {
        Random random = new Random();
        // 5 characters: node namespaces (+1), taps (+2) and underlay veths (+2) stay far below 15.
        return "sx" + (char) ('a' + random.nextInt(26)) + (char) ('a' + random.nextInt(26)) + (char) ('a' + random.nextInt(26));
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
