package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.fail;

import dev.sovra.agent.network.ovsdb.OvsdbClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One emulated hypervisor for tests: a network namespace of its own with a private Open vSwitch in it (own
 * ovsdb-server database and socket, own ovs-vswitchd with run directory {@code dir}), so several "hosts" with
 * separate switches, routing tables and devices run side by side on one machine without touching the host's OVS.
 *
 * <p>ovsdb-server runs in the root namespace (it only needs its unix socket); ovs-vswitchd runs inside the node's
 * namespace, so the devices it opens, the kernel routes it learns for tunnels and its internal ports are the
 * node's. Both are child processes of the test and are killed on {@link #close()}.
 */
final class OvsNode implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final HostCommands HOST = new HostCommands(Optional.empty());

    private final String name;
    private final String netns;
    private final String prefix;
    private final Path dir;
    private final List<Process> daemons = new ArrayList<>();

    private OvsNode(String name, String prefix, Path dir) {
        this.name = name;
        this.prefix = prefix;
        this.netns = prefix + name;
        this.dir = dir;
    }

    /**
     * Starts node {@code name}: namespace {@code prefix+name}, OVS state in {@code baseDir/name}. {@code prefix}
     * keeps concurrent test runs apart.
     */
    static OvsNode start(String prefix, String name, Path baseDir) throws IOException, InterruptedException {
        OvsNode node = new OvsNode(name, prefix, baseDir.resolve(name));
        try {
            node.startDaemons();
            return node;
        } catch (RuntimeException | IOException | InterruptedException | AssertionError e) {
            node.close();
            throw e;
        }
    }

    private void startDaemons() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        HOST.run(List.of("ip", "netns", "del", netns), TIMEOUT); // a leftover of a crashed run
        check(List.of("ip", "netns", "add", netns));
        check(List.of("ip", "-n", netns, "link", "set", "lo", "up"));
        Path db = dir.resolve("conf.db");
        Files.deleteIfExists(db);
        check(List.of("ovsdb-tool", "create", db.toString(), "/usr/share/openvswitch/vswitch.ovsschema"));
        daemons.add(daemon(List.of("ovsdb-server", db.toString(), "--remote=punix:" + socket(),
                "--unixctl=" + dir.resolve("ovsdb-server.ctl"), "--log-file=" + dir.resolve("ovsdb-server.log"),
                "-vconsole:off", "--no-chdir"), "ovsdb-server.out"));
        awaitFile(socket());
        check(List.of("ovs-vsctl", "--db=unix:" + socket(), "--no-wait", "init"));
        daemons.add(daemon(List.of("ip", "netns", "exec", netns, "ovs-vswitchd", "unix:" + socket(),
                "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"), "--log-file=" + dir.resolve("ovs-vswitchd.log"),
                "-vconsole:off", "--no-chdir"), "ovs-vswitchd.out"));
        awaitFile(dir.resolve("ovs-vswitchd.ctl"));
        vsctl("show"); // waits until ovs-vswitchd answers through the database
    }

    private Process daemon(List<String> command, String out) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(out).toFile());
        builder.environment().put("OVS_RUNDIR", dir.toString()); // where ovs-vswitchd puts BRIDGE.mgmt
        return builder.start();
    }

    String name() {
        return name;
    }

    String netns() {
        return netns;
    }

    Path dir() {
        return dir;
    }

    Path socket() {
        return dir.resolve("db.sock");
    }

    OvsdbClient connect() {
        return OvsdbClient.connect(socket(), Duration.ofSeconds(10));
    }

    /** The plane's configuration for this node: its namespace, run directory and name prefixes. */
    NetworkPlaneConfig planeConfig() {
        return new NetworkPlaneConfig("br-int", dir, Optional.of(netns), netns + "-", "sv", dir.resolve("state"),
                Duration.ofSeconds(20));
    }

    /** {@code ovs-vsctl} (waiting for ovs-vswitchd) against this node's database. */
    String vsctl(String... args) {
        List<String> command = new ArrayList<>(List.of("ovs-vsctl", "--db=unix:" + socket(), "--timeout=20"));
        command.addAll(List.of(args));
        return check(command).stdout();
    }

    String appctl(String... args) {
        List<String> command = new ArrayList<>(List.of("ovs-appctl", "-t", dir.resolve("ovs-vswitchd.ctl").toString()));
        command.addAll(List.of(args));
        return check(command).stdout();
    }

    /** {@code ip -n NODE ARGS}. */
    String ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", netns));
        command.addAll(List.of(args));
        return check(command).stdout();
    }

    static HostCommands.Result check(List<String> command) {
        HostCommands.Result result = HOST.run(command, TIMEOUT);
        if (!result.ok()) {
            fail(String.join(" ", command) + " failed (exit " + result.exitCode() + "): " + result.stderr() + result.stdout());
        }
        return result;
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                fail("no " + file + " within " + TIMEOUT);
            }
            Thread.sleep(10);
        }
    }

    /** Stops the daemons, deletes the node's namespaces (its own and those the plane made) and its files. */
    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process process = daemons.get(i);
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        killPlaneDaemons();
        String namespaces = HOST.run(List.of("ip", "netns", "list"), TIMEOUT).stdout();
        namespaces.lines().map(l -> l.trim().split("\\s+")[0]).filter(ns -> ns.startsWith(netns))
                .forEach(ns -> HOST.run(List.of("ip", "netns", "del", ns), TIMEOUT));
        deleteTree(dir);
    }

    /** dnsmasq servers the plane left behind (a test that failed before its cleanup), found by their pid files. */
    private void killPlaneDaemons() {
        Path state = dir.resolve("state");
        if (!Files.isDirectory(state)) {
            return;
        }
        try (Stream<Path> files = Files.list(state)) {
            files.filter(f -> f.getFileName().toString().endsWith(".pid")).forEach(pidFile -> {
                try {
                    long pid = Long.parseLong(Files.readString(pidFile).strip());
                    String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
                    if (cmdline.contains("--pid-file=" + pidFile)) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException | NumberFormatException e) {
                    // not running
                }
            });
        } catch (IOException e) {
            // nothing to clean
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
