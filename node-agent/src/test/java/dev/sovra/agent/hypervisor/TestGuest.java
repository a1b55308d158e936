package dev.sovra.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/**
 * Shared helpers of the hypervisor system tests: where the test guest built by
 * {@code scripts/build-test-guest.sh} is, JUnit assumptions for root / libvirtd / guest, console polling and
 * {@code virsh}.
 */
public final class TestGuest {

    public static final String URI = "qemu:///system";
    public static final Path DEFAULT_DIR = Path.of("/var/lib/sovra/test-guest");
    public static final String BOOT_MARKER = "SOVRA-GUEST-BOOT";
    public static final String READY_MARKER = "SOVRA-GUEST-READY";

    /** The guest's kernel (uncompressed vmlinux) and initramfs. */
    public record Guest(Path kernel, Path initrd) {
    }

    private TestGuest() {
    }

    /** {@code SOVRA_TEST_GUEST}, else the system property {@code sovra.testGuest}, else /var/lib/sovra/test-guest. */
    public static Path directory() {
        String env = System.getenv("SOVRA_TEST_GUEST");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String property = System.getProperty("sovra.testGuest");
        if (property != null && !property.isBlank() && !property.startsWith("${")) {
            return Path.of(property);
        }
        return DEFAULT_DIR;
    }

    /** Skips the test (with the reason) unless running as root with libvirtd reachable and the guest built. */
    public static Guest requireSystem() {
        assumeTrue(isRoot(), "skipped: hypervisor system tests need root (libvirt qemu:///system, /var/lib/sovra)");
        assumeTrue(libvirtReachable(), "skipped: libvirtd is not reachable at " + URI + "; run scripts/host-setup.sh");
        Path dir = directory();
        Guest guest = new Guest(dir.resolve("vmlinux"), dir.resolve("initrd.gz"));
        assumeTrue(Files.isRegularFile(guest.kernel()) && Files.isRegularFile(guest.initrd()),
                "skipped: test guest not built in " + dir
                        + "; run scripts/build-test-guest.sh (or set SOVRA_TEST_GUEST to its output directory)");
        return guest;
    }

    public static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static boolean libvirtReachable() {
        try {
            Connect conn = new Connect(URI);
            conn.close();
            return true;
        } catch (LibvirtException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The console text, read as UTF-8; empty if the file does not exist yet. */
    public static String console(Path log) {
        try {
            return Files.isRegularFile(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public static int occurrences(String text, String marker) {
        int count = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length())) {
            count++;
        }
        return count;
    }

    /**
     * Waits until {@code marker} occurs at least {@code count} times in the console log and returns the
     * console text; fails the test with the console text after {@code timeout}.
     */
    public static String awaitMarker(Path log, String marker, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = console(log);
            if (occurrences(text, marker) >= count) {
                return text;
            }
            if (System.nanoTime() > deadline) {
                fail("no " + count + "x " + marker + " in " + log + " within " + timeout + "; console:\n" + text);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Names of all domains, running or not ({@code virsh list --all --name}). */
    public static List<String> virshListAll() {
        return virsh("list", "--all", "--name");
    }

    /** Runs {@code virsh -c qemu:///system ARGS} and returns its non-empty output lines; fails on error. */
    public static List<String> virsh(String... args) {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                fail(String.join(" ", command) + " failed: " + out);
            }
            return out.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        } catch (IOException e) {
            return fail("cannot run virsh: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    public static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
