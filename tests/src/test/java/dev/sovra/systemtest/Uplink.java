package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The provider side of the node's uplink, for north-south tests: a Linux bridge in the node's network namespace (the
 * agent's {@code --uplink-bridge}, which its routers join) and an "outside" network namespace cabled to it by a veth. The
 * outside holds the uplink gateway address (on-link with the public IP pool) and an "internet" address on its
 * loopback behind it, and a listener there records the source of every ICMP echo request it receives: what the
 * outside sees as the guest's address. {@link #close()} (and a shutdown hook, should the test JVM exit without it)
 * stops the listener and deletes the outside namespace, the veth and the bridge.
 */
final class Uplink implements AutoCloseable {
    /**
     * A raw ICMP socket gets a copy of every ICMP packet the outside receives (the kernel still answers the echo
     * requests); prints {@code echo-request SOURCE DESTINATION} for each echo request. python3 is on every node
     * (scripts/host-setup.sh), tcpdump is not.
     */
    private static final String ECHO_LISTENER = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            print("listening", flush=True)
            while True:
                packet = s.recv(65535)
                if packet[(packet[0] & 15) * 4] == 8:
                    print("echo-request", socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20]), flush=True)
            """;
    private static final Pattern ECHO_REQUEST = Pattern.compile("^echo-request (\\S+) (\\S+)$");

    /** The agent's {@code --uplink-bridge}. */
    final String bridge;
    /** The node's network namespace, where the bridge is (an emulated host's); null: the host's. */
    private final String nodeNetns;
    /** The outside network namespace. */
    final String outside;
    /** The outside's end of its cable, on the bridge. */
    private final String cable;
    private final String outsideDevice;
    /** The uplink gateway's address in the outside, with the pool's prefix length ({@code 192.0.2.1/24}). */
    private final String gatewayCidr;
    /** An address on the outside's loopback, reached through the gateway: "the internet". */
    final String internet;
    private final Path capture;
    private Process echoListener;
    private final Thread hook = new Thread(this::stop, "uplink-stop");

    private Uplink(String prefix, String nodeNetns, String gatewayCidr, String internet, Path dir) {
        this.bridge = "upl-" + prefix;
        this.nodeNetns = nodeNetns;
        this.outside = "out-" + prefix;
        this.cable = "o" + prefix + "1";
        this.outsideDevice = "o" + prefix + "0";
        this.gatewayCidr = gatewayCidr;
        this.internet = internet;
        this.capture = dir.resolve("outside-icmp.txt");
    }

    /**
     * Creates the bridge in the node's namespace {@code nodeNetns} (null: the host's) and the outside with
     * {@code gatewayCidr} (e.g. {@code 192.0.2.1/24}) and {@code internet} (a /32 on its loopback), and starts the
     * capture. Names start with {@code upl-}, {@code out-} and {@code o}
     * followed by {@code prefix}, never with the prefix itself, so the data plane's cleanup does not take them.
     */
    static Uplink start(String prefix, String nodeNetns, String gatewayCidr, String internet, Path dir) {
        Uplink uplink = new Uplink(prefix, nodeNetns, gatewayCidr, internet, dir);
        Runtime.getRuntime().addShutdownHook(uplink.hook);
        try {
            uplink.removeLeftovers(); // of an earlier run that was killed before its cleanup
            uplink.create();
            return uplink;
        } catch (RuntimeException | AssertionError e) {
            uplink.close();
            throw e;
        }
    }

    private void create() {
        Appliance.check(ip("link", "add", bridge, "type", "bridge"));
        Appliance.check(ip("link", "set", bridge, "up"));
        Appliance.check("ip", "netns", "add", outside);
        List<String> veth = new ArrayList<>(List.of("ip", "link", "add", cable));
        if (nodeNetns != null) {
            veth.addAll(List.of("netns", nodeNetns));
        }
        veth.addAll(List.of("type", "veth", "peer", "name", outsideDevice, "netns", outside));
        Appliance.check(veth.toArray(String[]::new));
        Appliance.check(ip("link", "set", cable, "master", bridge, "up"));
        Appliance.check("ip", "-n", outside, "link", "set", "lo", "up");
        Appliance.check("ip", "-n", outside, "addr", "add", internet + "/32", "dev", "lo");
        Appliance.check("ip", "-n", outside, "addr", "add", gatewayCidr, "dev", outsideDevice);
        Appliance.check("ip", "-n", outside, "link", "set", outsideDevice, "up");
        try {
            Files.createDirectories(capture.getParent());
            echoListener = new ProcessBuilder("ip", "netns", "exec", outside, "python3", "-u", "-c", ECHO_LISTENER)
                    .redirectErrorStream(true).redirectOutput(capture.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the ICMP listener in " + outside, e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!read().contains("listening")) {
            if (!echoListener.isAlive() || System.nanoTime() > deadline) {
                fail("the ICMP listener in " + outside + " does not run: " + read());
            }
            sleep(50);
        }
    }

    /** One ping from the outside, waiting up to 2 s for the reply; ping's output. */
    Ping ping(String address) {
        String output = Appliance.run("ip", "netns", "exec", outside, "ping", "-n", "-c", "1", "-W", "2", address);
        return new Ping(output.contains(" 1 received"), output);
    }

    record Ping(boolean ok, String output) {
        /** The TTL of the reply, -1 without one. */
        int ttl() {
            Matcher ttl = Pattern.compile("ttl=(\\d+)").matcher(output);
            return ttl.find() ? Integer.parseInt(ttl.group(1)) : -1;
        }
    }

    /**
     * The sources of the ICMP echo requests for {@code destination} the outside received after capture offset
     * {@code from} (see {@link #captured()}), in order.
     */
    List<String> echoSources(String destination, int from) {
        String text = read();
        List<String> sources = new ArrayList<>();
        text.substring(Math.min(from, text.length())).lines().forEach(line -> {
            Matcher echo = ECHO_REQUEST.matcher(line);
            if (echo.find() && echo.group(2).equals(destination)) {
                sources.add(echo.group(1));
            }
        });
        return sources;
    }

    /** The capture's length so far: an offset for {@link #echoSources}. */
    int captured() {
        return read().length();
    }

    /** The links enslaved to the uplink bridge other than the outside's cable: the routers' external legs. */
    List<String> routerLegs() {
        return Appliance.run(ip("-o", "link", "show", "master", bridge)).lines()
                .map(l -> l.split(":\\s+", 3)).filter(p -> p.length >= 2).map(p -> p[1].split("@", 2)[0])
                .filter(name -> !name.equals(cable)).toList();
    }

    private String read() {
        try {
            return Files.exists(capture) ? Files.readString(capture, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
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
        if (echoListener != null) {
            echoListener.destroy();
            try {
                if (!echoListener.waitFor(5, TimeUnit.SECONDS)) {
                    echoListener.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            echoListener = null;
        }
        removeLeftovers();
    }

    /**
     * The outside namespace (with its end of the cable, so the other end goes too) and the bridge, unless the node's
     * namespace is gone with both.
     */
    private void removeLeftovers() {
        if (namespaceExists(outside)) {
            Appliance.run("ip", "netns", "del", outside);
        }
        if (nodeNetns != null && !namespaceExists(nodeNetns)) {
            return;
        }
        for (String device : List.of(cable, bridge)) {
            if (!Appliance.run(ip("link", "show", "dev", device)).contains("does not exist")) {
                Appliance.run(ip("link", "del", "dev", device));
            }
        }
    }

    private static boolean namespaceExists(String netns) {
        return Appliance.run("ip", "netns", "list").lines().anyMatch(l -> l.trim().split("\\s+")[0].equals(netns));
    }

    /** {@code ip ARGS} in the node's namespace. */
    private String[] ip(String... args) {
        List<String> command = new ArrayList<>(nodeNetns == null ? List.of("ip") : List.of("ip", "-n", nodeNetns));
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
