package dev.sovra.agent.network.dhcp;

import dev.sovra.agent.network.HostCommands;
import dev.sovra.agent.network.NamespaceLinks;
import dev.sovra.agent.network.NetworkPlaneException;
import dev.sovra.model.network.Cidr;
import dev.sovra.model.network.Ipv4;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dnsmasq per segment on each node that hosts it, serving exactly the MAC-to-address reservations of the
 * node's NICs (dnsmasq's {@code static} ranges: unknown MACs get nothing).
 *
 * <p>Each server lives in its own network namespace ({@code <netns-prefix>dhcp-<vni>}) with one end of a veth
 * pair ({@value #SERVER_DEVICE}); the other end ({@code <device-prefix>d<vni>}) joins the integration bridge as
 * the segment's DHCP port. Its traffic never crosses the tunnels (see the pipeline), so every node can use the
 * same server address and MAC. Reservations live in a hosts file that dnsmasq re-reads on SIGHUP; any other
 * change restarts the server. State (pid, hosts, arguments, log) is kept in files, so a restarted agent adopts
 * the running servers instead of starting duplicates.
 */
public final class DhcpServers {
    private static final Logger log = LoggerFactory.getLogger(DhcpServers.class);
    /** The server's interface inside its namespace. */
    public static final String SERVER_DEVICE = "dhcp0";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String NETNS_MARK = "dhcp-";

    private final HostCommands commands;
    private final NamespaceLinks links;
    private final String netnsPrefix;
    private final String devicePrefix;
    private final Path stateDir;

    /** A running server: the node-side device to bind and the MAC the server answers from. */
    public record DhcpServer(long vni, String nodeDevice, String mac) {
    }

    public DhcpServers(HostCommands commands, String netnsPrefix, String devicePrefix, Path stateDir) {
        this.commands = commands;
        this.links = new NamespaceLinks(commands);
        this.netnsPrefix = netnsPrefix;
        this.devicePrefix = devicePrefix;
        this.stateDir = stateDir;
    }

    /** The server MAC of a segment: locally administered, derived from the VNI (identical on every node). */
    public static String mac(long vni) {
        return String.format("02:5d:%02x:%02x:%02x:01", (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff);
    }

    public String netns(long vni) {
        return netnsPrefix + NETNS_MARK + vni;
    }

    public String nodeDevice(long vni) {
        return devicePrefix + "d" + vni;
    }

    /** Makes the segment's server exist and serve the reservations of {@code nics} (the segment's local NICs). */
    public DhcpServer ensure(Segment segment, List<NicPort> nics, int tenantMtu) {
        long vni = segment.vni();
        String netns = netns(vni);
        String device = nodeDevice(vni);
        String mac = mac(vni);
        createDir();
        if (!namespaces().contains(netns)) {
            HostCommands.Result added = commands.run(List.of("ip", "netns", "add", netns), TIMEOUT);
            if (!added.ok() && !namespaces().contains(netns)) {
                HostCommands.check(added);
            }
            commands.ipIn(netns, "link", "set", "lo", "up");
            log.info("dhcp namespace created netns={} vni={}", netns, vni);
        }
        links.ensureVeth(netns, device, SERVER_DEVICE, mac, Optional.empty());
        links.ensureAddresses(netns, SERVER_DEVICE, segment.subnets().stream().filter(Subnet::dhcpEnabled)
                .map(s -> s.dhcpServer() + "/" + s.parsedCidr().prefixLength()).collect(Collectors.toSet()));
        ensureDnsmasq(segment, netns, nics, tenantMtu);
        return new DhcpServer(vni, device, mac);
    }

    /** Stops the servers of every segment not in {@code keep} and deletes their namespaces (and with them the veths). */
    public int removeAllExcept(Set<Long> keep) {
        int removed = 0;
        for (String netns : namespaces()) {
            if (!netns.startsWith(netnsPrefix + NETNS_MARK)) {
                continue;
            }
            long vni;
            try {
                vni = Long.parseLong(netns.substring((netnsPrefix + NETNS_MARK).length()));
            } catch (NumberFormatException e) {
                continue;
            }
            if (keep.contains(vni)) {
                continue;
            }
            stopDnsmasq(vni);
            HostCommands.check(commands.run(List.of("ip", "netns", "del", netns), TIMEOUT));
            deleteState(vni);
            log.info("dhcp server removed netns={} vni={}", netns, vni);
            removed++;
        }
        return removed;
    }

    private void ensureDnsmasq(Segment segment, String netns, List<NicPort> nics, int tenantMtu) {
        long vni = segment.vni();
        Path hosts = stateFile(vni, "hosts");
        Path pidFile = stateFile(vni, "pid");
        List<String> args = dnsmasqArgs(segment, hosts, pidFile, stateFile(vni, "log"), tenantMtu);
        String argsText = String.join("\n", args) + "\n";
        String hostsText = hostsFile(segment, nics);
        boolean hostsChanged = writeIfChanged(hosts, hostsText);
        Optional<Long> running = runningPid(vni);
        boolean argsSame = argsText.equals(read(stateFile(vni, "args")));
        if (running.isPresent() && argsSame) {
            if (hostsChanged) {
                // dnsmasq re-reads --dhcp-hostsfile on SIGHUP, without dropping anything else.
                HostCommands.check(commands.run(List.of("kill", "-HUP", Long.toString(running.get())), TIMEOUT));
                log.info("dhcp reservations reloaded vni={} pid={} hosts={}", vni, running.get(), nics.size());
            }
            return;
        }
        if (running.isPresent()) {
            stopDnsmasq(vni);
        }
        writeIfChanged(stateFile(vni, "args"), argsText);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", netns, "dnsmasq"));
        command.addAll(args);
        HostCommands.Result result = commands.runLogged(command, stateFile(vni, "log"), TIMEOUT);
        if (!result.ok()) {
            throw new NetworkPlaneException("dnsmasq for segment " + segment.networkId() + " (vni " + vni
                    + ") did not start (exit " + result.exitCode() + "): " + tail(stateFile(vni, "log")));
        }
        long pid = awaitPid(vni);
        log.info("dhcp server started vni={} netns={} pid={} hosts={}", vni, netns, pid, nics.size());
    }

    private static List<String> dnsmasqArgs(Segment segment, Path hosts, Path pidFile, Path logFile, int tenantMtu) {
        List<String> args = new ArrayList<>(List.of(
                "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=0", "--user=root",
                "--interface=" + SERVER_DEVICE, "--bind-interfaces", "--except-interface=lo",
                "--dhcp-authoritative", "--leasefile-ro", "--log-dhcp",
                "--dhcp-hostsfile=" + hosts, "--pid-file=" + pidFile, "--log-facility=" + logFile));
        int tag = 0;
        for (Subnet subnet : segment.subnets()) {
            if (!subnet.dhcpEnabled()) {
                continue;
            }
            Cidr cidr = subnet.parsedCidr();
            String name = "s" + tag++;
            args.add("--dhcp-range=set:" + name + "," + Ipv4.format(cidr.network()) + ",static,"
                    + Ipv4.format(cidr.netmask()) + ",12h");
            if (subnet.gateway() != null) {
                args.add("--dhcp-option=tag:" + name + ",option:router," + subnet.gateway());
            }
            // Forced: some clients (busybox udhcpc) do not ask for the MTU but apply it when given.
            args.add("--dhcp-option-force=tag:" + name + ",option:mtu," + tenantMtu);
        }
        return args;
    }

    /** One {@code MAC,ADDRESS...} line per NIC with an address in a DHCP subnet. */
    private static String hostsFile(Segment segment, List<NicPort> nics) {
        StringBuilder text = new StringBuilder();
        for (NicPort nic : nics) {
            List<String> addresses = nic.ipv4().stream().filter(a -> {
                Subnet subnet = segment.subnetOf(a);
                return subnet != null && subnet.dhcpEnabled();
            }).toList();
            if (!addresses.isEmpty()) {
                text.append(nic.mac()).append(',').append(String.join(",", addresses)).append('\n');
            }
        }
        return text.toString();
    }

    private Optional<Long> runningPid(long vni) {
        String text = read(stateFile(vni, "pid")).strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // Only a dnsmasq started with this pid file counts (pids get reused).
        String cmdline = read(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        return cmdline.contains("dnsmasq") && cmdline.contains("--pid-file=" + stateFile(vni, "pid"))
                ? Optional.of(pid) : Optional.empty();
    }

    private long awaitPid(long vni) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Long> pid = runningPid(vni);
            if (pid.isPresent()) {
                return pid.get();
            }
            sleep(20);
        }
        throw new NetworkPlaneException("dnsmasq for vni " + vni + " wrote no pid file within " + TIMEOUT + ": "
                + tail(stateFile(vni, "log")));
    }

    private void stopDnsmasq(long vni) {
        Optional<Long> pid = runningPid(vni);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.get());
        handle.ifPresent(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!exited(pid.get()) && System.nanoTime() < deadline) {
            sleep(10);
        }
        if (!exited(pid.get())) {
            handle.ifPresent(ProcessHandle::destroyForcibly);
        }
        log.info("dhcp server stopped vni={} pid={}", vni, pid.get());
    }

    /**
     * Whether the process is gone or a zombie: the daemon is not our child, and its reaper (init) may take its
     * time (a second and more in some containers), but a zombie holds no sockets or namespace any more.
     */
    private static boolean exited(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        int end = stat.lastIndexOf(')');
        return stat.isEmpty() || (end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z');
    }

    private Set<String> namespaces() {
        String out = HostCommands.check(commands.run(List.of("ip", "netns", "list"), TIMEOUT)).stdout();
        return out.lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0])
                .collect(Collectors.toSet());
    }

    private Path stateFile(long vni, String kind) {
        return stateDir.resolve("dhcp-" + vni + "." + kind);
    }

    private void deleteState(long vni) {
        for (String kind : List.of("pid", "hosts", "args", "log")) {
            try {
                Files.deleteIfExists(stateFile(vni, kind));
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", stateFile(vni, kind), e.toString());
            }
        }
    }

    private void createDir() {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new NetworkPlaneException("cannot create state directory " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean writeIfChanged(Path file, String text) {
        if (text.equals(read(file))) {
            return false;
        }
        try {
            Path temp = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new NetworkPlaneException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path file) {
        List<String> lines = read(file).lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkPlaneException("interrupted", e);
        }
    }
}
