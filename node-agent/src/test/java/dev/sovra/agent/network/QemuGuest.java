package dev.sovra.agent.network;

import static org.junit.jupiter.api.Assertions.fail;

import dev.sovra.agent.hypervisor.TestGuest;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
 * The test guest (scripts/build-test-guest.sh) as a plain QEMU (TCG) process inside a node's namespace, its NIC a
 * tap device of that namespace, its console in a file and its command channel ({@code sovra.ctl=ttyS1}) on a unix
 * socket.
 *
 * <p>Why plain QEMU and not libvirt: the tap must be created in the emulated node's namespace, where that node's
 * ovs-vswitchd can open it; libvirtd creates taps in its own (the host's) namespace. A QEMU started with
 * {@code ip netns exec} creates its tap right there, and the test owns the process. The NIC uses
 * {@code vnet_hdr=off}: then the guest cannot hand checksum work to the host, which matters because the userspace
 * datapath forwards packets as the tap delivers them (with a checksum offload header they would arrive with
 * unfinished TCP/UDP checksums and be dropped).
 */
final class QemuGuest implements AutoCloseable {
    private static final Pattern END = Pattern.compile("SOVRA-CTL-END (\\d+) rc=(\\d+)");

    private final String name;
    private final OvsNode node;
    private final String mac;
    private final Path console;
    private final Path ctlSocket;
    private final Process process;
    private SocketChannel ctl;
    private int nextId = 1;

    /** What a command printed and its exit code. */
    record Run(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private QemuGuest(String name, OvsNode node, String mac, Path console, Path ctlSocket, Process process) {
        this.name = name;
        this.node = node;
        this.mac = mac;
        this.console = console;
        this.ctlSocket = ctlSocket;
        this.process = process;
    }

    /**
     * Boots the guest on {@code node} with tap device {@code tap}; {@code staticIp} ("10.0.0.5/24") or null for
     * DHCP at boot. Returns once QEMU runs and the tap is up (not waiting for the boot).
     */
    static QemuGuest start(OvsNode node, String tap, String mac, String staticIp, TestGuest.Guest image)
            throws IOException, InterruptedException {
        Path console = node.dir().resolve(tap + ".console");
        Path ctlSocket = node.dir().resolve(tap + ".ctl");
        Files.deleteIfExists(console);
        Files.deleteIfExists(ctlSocket);
        String cmdline = "console=ttyS0 quiet panic=-1 sovra.ctl=ttyS1" + (staticIp == null ? "" : " sovra.ip=" + staticIp);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", node.netns(),
                "qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "192", "-smp", "1",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(), "-append", cmdline,
                "-serial", "file:" + console,
                "-chardev", "socket,id=ctl,path=" + ctlSocket + ",server=on,wait=off",
                "-device", "isa-serial,chardev=ctl",
                "-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no,vnet_hdr=off",
                "-device", "virtio-net-pci,netdev=n0,mac=" + mac));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(node.dir().resolve(tap + ".qemu.out").toFile()).start();
        QemuGuest guest = new QemuGuest(tap, node, mac, console, ctlSocket, process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!OvsNode.HOST.run(List.of("ip", "-n", node.netns(), "link", "show", "dev", tap), Duration.ofSeconds(5)).ok()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                guest.close();
                fail("QEMU for " + tap + " did not create its tap: "
                        + Files.readString(node.dir().resolve(tap + ".qemu.out")));
            }
            Thread.sleep(20);
        }
        node.ip("link", "set", tap, "up"); // what libvirt does for its taps
        return guest;
    }

    String name() {
        return name;
    }

    String mac() {
        return mac;
    }

    OvsNode node() {
        return node;
    }

    String console() {
        return TestGuest.console(console);
    }

    /** Waits for the guest's READY line and returns the console. */
    String awaitReady(Duration timeout) {
        return TestGuest.awaitMarker(console, TestGuest.READY_MARKER, 1, timeout);
    }

    /** The address the guest reported on its console ({@code SOVRA-GUEST-NET}). */
    String reportedAddress() {
        Matcher m = Pattern.compile("SOVRA-GUEST-NET (\\S+)").matcher(console());
        return m.find() ? m.group(1) : null;
    }

    /** Runs {@code command} with sh in the guest and returns its output and exit code. */
    synchronized Run run(String command, Duration timeout) {
        try {
            if (ctl == null) {
                ctl = SocketChannel.open(UnixDomainSocketAddress.of(ctlSocket));
                ctl.configureBlocking(false);
            }
            int id = nextId++;
            ctl.configureBlocking(true);
            ByteBuffer out = ByteBuffer.wrap((id + " " + command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ctl.write(out);
            }
            ctl.configureBlocking(false);
            StringBuilder text = new StringBuilder();
            ByteBuffer in = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                in.clear();
                int n = ctl.read(in);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    Thread.sleep(10);
                    continue;
                }
                text.append(new String(in.array(), 0, n, StandardCharsets.UTF_8));
                Matcher end = END.matcher(text);
                while (end.find()) {
                    if (Integer.parseInt(end.group(1)) == id && text.indexOf("\n", end.end()) >= 0) {
                        String output = text.substring(0, end.start());
                        // Output of earlier commands that timed out may precede ours: keep what follows their END.
                        int lastOther = output.lastIndexOf("SOVRA-CTL-END ");
                        if (lastOther >= 0) {
                            output = output.substring(output.indexOf('\n', lastOther) + 1);
                        }
                        return new Run(Integer.parseInt(end.group(2)), output);
                    }
                }
            }
            return fail("guest " + name + ": no answer to '" + command + "' within " + timeout + "; got: " + text);
        } catch (IOException e) {
            return fail("guest " + name + ": command channel " + ctlSocket + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    Run run(String command) {
        return run(command, Duration.ofSeconds(30));
    }

    /** Number of ICMP echo requests the guest's kernel received so far (/proc/net/snmp Icmp InEchos). */
    long icmpEchoRequestsReceived() {
        String out = run("awk '/^Icmp:/{n++; if(n==1) for(i=1;i<=NF;i++) h[i]=$i; else for(i=1;i<=NF;i++) if(h[i]==\"InEchos\") print $i}' /proc/net/snmp").output().strip();
        return Long.parseLong(out);
    }

    boolean ping(String address, int count) {
        return run("ping -c " + count + " -W 2 " + address, Duration.ofSeconds(10L + 3L * count)).ok();
    }

    @Override
    public void close() {
        try {
            if (ctl != null) {
                ctl.close();
            }
        } catch (IOException ignored) {
            // the process goes anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
