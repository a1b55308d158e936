package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An Open vSwitch of the test's own for the appliance's tenant networks: ovsdb-server with a private database and
 * socket and ovs-vswitchd with its own run directory, both children of the test JVM, in the host's network namespace
 * (libvirtd's, where the guests' taps appear) or, for an emulated host ({@link #startInNamespace}), in a network
 * namespace of its own. The host's OVS, if any, is not touched. {@link #close()} (and a shutdown hook, should the
 * test JVM exit without it) stops both daemons and removes what the data plane made: the bridge's device, the DHCP
 * namespaces and their dnsmasq servers, and the emulated host's namespace with its underlay.
 */
final class PrivateOvs implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    final Path dir;
    /** The integration bridge the agent is told to use ({@code --network-bridge}). */
    final String bridge;
    /** The agent's {@code --network-prefix}: its DHCP namespaces are {@code prefix-dhcp-<vni>}, its veths {@code prefix…}. */
    final String prefix;
    private final Path planeState;
    /** The emulated host's network namespace, where ovs-vswitchd runs; null: the host's namespace. */
    final String netns;
    /** The emulated host's tunnel endpoint, on its {@code br-phy}; null in the host's namespace. */
    private final String underlayIp;
    private final List<Process> daemons = new ArrayList<>();
    private final Thread hook = new Thread(this::stop, "private-ovs-stop");

    private PrivateOvs(Path dir, String bridge, String prefix, Path planeState, String netns, String underlayIp) {
        this.dir = dir;
        this.bridge = bridge;
        this.prefix = prefix;
        this.planeState = planeState;
        this.netns = netns;
        this.underlayIp = underlayIp;
    }

    /**
     * Starts the daemons with their files in {@code dir}; {@code planeState} is the agent's network state directory
     * (dnsmasq pid files), for cleanup.
     */
    static PrivateOvs start(Path dir, String bridge, String prefix, Path planeState) {
        return start(new PrivateOvs(dir, bridge, prefix, planeState, null, null));
    }

    /**
     * As {@link #start}, for an emulated host: the switch runs in network namespace {@code netns} (created here,
     * deleted by {@link #close()}), so two of them on one machine have separate devices, routes and
     * {@code ovs-netdev} datapath devices. The agent must move its guests' taps there ({@code --network-netns}).
     * The host's tunnel endpoint {@code underlayIp}/24 is on bridge {@code br-phy} (netdev): the userspace datapath
     * routes and sends tunnel packets itself, so the address must be on an OVS port (docs/network-data-plane.md).
     * {@link #connectUnderlay} links two such hosts.
     */
    static PrivateOvs startInNamespace(Path dir, String bridge, String prefix, Path planeState, String netns,
                                       String underlayIp) {
        if (netns.startsWith(prefix + "-")) {
            throw new IllegalArgumentException("namespace " + netns + " would count as a DHCP namespace of " + prefix);
        }
        PrivateOvs ovs = start(new PrivateOvs(dir, bridge, prefix, planeState, netns, underlayIp));
        try {
            ovs.vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev");
            ovs.ip("addr", "add", underlayIp + "/24", "dev", "br-phy");
            ovs.ip("link", "set", "br-phy", "up");
            return ovs;
        } catch (RuntimeException | AssertionError e) {
            ovs.close();
            throw e;
        }
    }

    private static PrivateOvs start(PrivateOvs ovs) {
        Runtime.getRuntime().addShutdownHook(ovs.hook);
        try {
            ovs.removeLeftovers(); // of an earlier run that was killed before its cleanup
            ovs.startDaemons();
            return ovs;
        } catch (RuntimeException | AssertionError e) {
            ovs.close();
            throw e;
        }
    }

    private void startDaemons() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (netns != null) {
            Appliance.check("ip", "netns", "add", netns);
            ip("link", "set", "lo", "up");
        }
        Path db = dir.resolve("conf.db");
        Appliance.check("ovsdb-tool", "create", db.toString(), "/usr/share/openvswitch/vswitch.ovsschema");
        daemons.add(daemon("ovsdb-server.out", "ovsdb-server", db.toString(), "--remote=punix:" + socket(),
                "--unixctl=" + dir.resolve("ovsdb-server.ctl"), "--log-file=" + dir.resolve("ovsdb-server.log"),
                "-vconsole:off", "--no-chdir"));
        awaitFile(socket());
        Appliance.check("ovs-vsctl", "--db=unix:" + socket(), "--no-wait", "init");
        List<String> vswitchd = new ArrayList<>(netns == null ? List.of() : List.of("ip", "netns", "exec", netns));
        vswitchd.addAll(List.of("ovs-vswitchd", "unix:" + socket(), "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"),
                "--log-file=" + dir.resolve("ovs-vswitchd.log"), "-vconsole:off", "--no-chdir"));
        daemons.add(daemon("ovs-vswitchd.out", vswitchd.toArray(String[]::new)));
        awaitFile(dir.resolve("ovs-vswitchd.ctl"));
        vsctl("show"); // returns once ovs-vswitchd answers through the database
    }

    Path socket() {
        return dir.resolve("db.sock");
    }

    /** {@code ovs-vsctl} against this switch, waiting for ovs-vswitchd. */
    String vsctl(String... args) {
        List<String> command = new ArrayList<>(List.of("ovs-vsctl", "--db=unix:" + socket(), "--timeout=20"));
        command.addAll(List.of(args));
        return Appliance.check(command.toArray(String[]::new));
    }

    /** Joins two emulated hosts' {@code br-phy} by a veth pair ({@code <prefix>u} on each side): their underlay. */
    static void connectUnderlay(PrivateOvs a, PrivateOvs b) {
        Appliance.check("ip", "link", "add", a.prefix + "u", "netns", a.netns, "type", "veth", "peer", "name", b.prefix + "u",
                "netns", b.netns);
        for (PrivateOvs host : List.of(a, b)) {
            host.ip("link", "set", host.prefix + "u", "up");
            host.vsctl("add-port", "br-phy", host.prefix + "u");
        }
    }

    /** The tunnel endpoint of this emulated host, null without an underlay. */
    String underlayIp() {
        return underlayIp;
    }

    /** {@code ip ARGS} in the switch's namespace. */
    String ip(String... args) {
        List<String> command = new ArrayList<>(netns == null ? List.of("ip") : List.of("ip", "-n", netns));
        command.addAll(List.of(args));
        return Appliance.check(command.toArray(String[]::new));
    }

    /** Names of the links in the switch's namespace whose name starts with {@code start}. */
    List<String> links(String start) {
        return ip("-o", "link", "show").lines().map(l -> l.split(":\\s+", 3)).filter(p -> p.length >= 2)
                .map(p -> p[1].split("@", 2)[0]).filter(name -> name.startsWith(start)).toList();
    }

    /** The bridge's OpenFlow flows ({@code ovs-ofctl dump-flows}), one per line, without the header. */
    List<String> flows() {
        String out = Appliance.check("ovs-ofctl", "-O", "OpenFlow14", "dump-flows", "unix:" + dir.resolve(bridge + ".mgmt"));
        return out.lines().map(String::trim).filter(l -> l.contains("actions=")).toList();
    }

    /** The bridge's ports other than its own internal one. */
    List<String> ports() {
        return vsctl("list-ports", bridge).lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    /** Every namespace the data plane made (DHCP servers and routers, from the agent's network prefix). */
    List<String> namespaces() {
        return Appliance.run("ip", "netns", "list").lines().map(l -> l.trim().split("\\s+")[0])
                .filter(ns -> ns.startsWith(prefix + "-")).toList();
    }

    /** The data plane's DHCP server namespaces. */
    List<String> dhcpNamespaces() {
        return namespaces().stream().filter(ns -> ns.startsWith(prefix + "-dhcp-")).toList();
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs stop() (again, harmlessly)
        }
    }

    private synchronized void stop() {
        if (!daemons.isEmpty()) {
            Appliance.run("ovs-vsctl", "--db=unix:" + socket(), "--timeout=10", "--if-exists", "del-br", bridge);
            Appliance.run("ovs-vsctl", "--db=unix:" + socket(), "--timeout=10", "--if-exists", "del-br", "br-phy");
        }
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
        daemons.clear();
        removeLeftovers();
    }

    /** dnsmasq servers (found by the pid files in the agent's state), DHCP namespaces and the bridge's device. */
    private void removeLeftovers() {
        if (Files.isDirectory(planeState)) {
            try (Stream<Path> files = Files.walk(planeState)) {
                files.filter(f -> f.getFileName().toString().endsWith(".pid")).forEach(PrivateOvs::killByPidFile);
            } catch (IOException e) {
                // nothing to clean
            }
        }
        namespaces().forEach(ns -> Appliance.run("ip", "netns", "del", ns));
        if (netns != null) {
            Appliance.run("ip", "netns", "del", netns); // with the bridge's device and the underlay veth in it
        } else if (!Appliance.run("ip", "link", "show", "dev", bridge).contains("does not exist")) {
            Appliance.run("ip", "link", "del", "dev", bridge);
        }
    }

    private static void killByPidFile(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
            if (cmdline.contains(pidFile.toString())) { // only the server this file belongs to, never a reused pid
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // not running
        }
    }

    private Process daemon(String out, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(out).toFile());
        builder.environment().put("OVS_RUNDIR", dir.toString()); // where ovs-vswitchd puts BRIDGE.mgmt
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command[0], e);
        }
    }

    private static void awaitFile(Path file) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                fail("no " + file + " within " + TIMEOUT);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
