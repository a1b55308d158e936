package dev.sovra.agent.hypervisor;

import dev.sovra.agent.hypervisor.libvirt.DomainXml;
import dev.sovra.agent.hypervisor.libvirt.LibvirtDriver;
import dev.sovra.agent.hypervisor.libvirt.LibvirtDriverConfig;
import dev.sovra.agent.hypervisor.libvirt.LibvirtErrors;
import dev.sovra.model.KernelBoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Finds out whether {@code type='kvm'} domains really boot on this host. libvirt's capabilities offer
 * {@code kvm} whenever /dev/kvm exists, but on some hosts (nested or PVM-only virtualization) a KVM guest
 * hangs in early boot. The probe boots a throwaway transient domain with the test guest and waits for its
 * ready marker on the serial console; node configuration picks {@code kvm} only if this returns true.
 *
 * <p>The probe domain is transient, carries no Sovra ownership metadata (so {@code listOwned} never sees it)
 * and is always destroyed, and its console directory deleted, before the probe returns.
 */
public final class KvmProbe {

    /** What the test guest prints once userspace is up (see scripts/build-test-guest.sh). */
    public static final String READY_MARKER = "SOVRA-GUEST-READY";
    /** Name prefix of probe domains. */
    public static final String NAME_PREFIX = "sovra-kvmprobe-";

    private static final long MEMORY_MIB = 256;

    private KvmProbe() {
    }

    /** Probes with the driver's libvirt URI, emulator and machine type. */
    public static boolean kvmBoots(LibvirtDriver driver, Path kernel, Path initrd, Duration timeout) {
        return kvmBoots(driver.config(), kernel, initrd, timeout);
    }

    /** Probes with the default emulator and machine type on libvirt {@code uri}. */
    public static boolean kvmBoots(String uri, Path kernel, Path initrd, Duration timeout) {
        return kvmBoots(LibvirtDriverConfig.defaults().withUri(uri), kernel, initrd, timeout);
    }

    /**
     * Returns true only if a {@code kvm} domain booting {@code kernel}/{@code initrd} prints the ready marker
     * on its console within {@code timeout}. Any failure to create or run the domain counts as false.
     */
    public static boolean kvmBoots(LibvirtDriverConfig config, Path kernel, Path initrd, Duration timeout) {
        UUID uuid = UUID.randomUUID();
        String name = NAME_PREFIX + uuid.toString().substring(0, 8);
        Path dir = null;
        Connect conn = null;
        try {
            dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "sovra-kvmprobe-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path console = dir.resolve("console.log");
            KernelBoot boot = new KernelBoot(kernel.toAbsolutePath().toString(),
                    initrd.toAbsolutePath().toString(), "console=ttyS0 quiet panic=-1");
            String xml = DomainXml.renderProbe(name, uuid, config.withDomainType("kvm"), boot, MEMORY_MIB, console);
            LibvirtErrors.silenceDefaultPrinter();
            conn = new Connect(config.uri());
            Domain domain = conn.domainCreateXML(xml, 0); // transient: gone once destroyed
            domain.free();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (consoleShowsReady(console)) {
                    return true;
                }
                Thread.sleep(100);
            }
            return consoleShowsReady(console);
        } catch (LibvirtException | IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            cleanUp(conn, uuid, dir);
        }
    }

    private static boolean consoleShowsReady(Path console) throws IOException {
        if (!Files.isRegularFile(console)) {
            return false;
        }
        return new String(Files.readAllBytes(console), StandardCharsets.UTF_8).contains(READY_MARKER);
    }

    private static void cleanUp(Connect conn, UUID uuid, Path dir) {
        if (conn != null) {
            try {
                Domain domain = conn.domainLookupByUUID(uuid);
                try {
                    domain.destroy();
                } finally {
                    domain.free();
                }
            } catch (LibvirtException ignored) {
                // not created, or already gone
            }
            try {
                conn.close();
            } catch (LibvirtException ignored) {
                // closing a connection we are done with
            }
        }
        if (dir != null) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // best effort: a leftover empty temp directory is harmless
            }
        }
    }
}
