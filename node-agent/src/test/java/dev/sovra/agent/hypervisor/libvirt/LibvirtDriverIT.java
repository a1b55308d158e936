package dev.sovra.agent.hypervisor.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.hypervisor.DomainStatus;
import dev.sovra.agent.hypervisor.HypervisorException;
import dev.sovra.agent.hypervisor.TestGuest;
import dev.sovra.agent.storage.StorageBackends;
import dev.sovra.agent.storage.local.LocalVolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriverConfig;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.PowerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link LibvirtDriver} against the real libvirtd and QEMU TCG with the test guest from
 * scripts/build-test-guest.sh. Skipped (with the reason) unless root, libvirtd reachable and the guest built.
 */
@Tag("system")
class LibvirtDriverIT {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);

    private TestGuest.Guest guest;
    private Path stateDir;
    private LibvirtDriver driver;
    private LocalVolumeDriver volumes;
    private String uid;
    private String rootVolume;
    private String dataVolume;

    @BeforeEach
    void setUp() throws IOException {
        guest = TestGuest.requireSystem();
        stateDir = Files.createTempDirectory(Path.of("/var/tmp"), "sovra-driver-it-"); // 0700: the driver adds o+x
        volumes = new LocalVolumeDriver(LocalVolumeDriverConfig.of(stateDir));
        driver = new LibvirtDriver(LibvirtDriverConfig.defaults().withStateDir(stateDir), new StorageBackends(List.of(volumes)));
        uid = UUID.randomUUID().toString();
        rootVolume = UUID.randomUUID().toString();
        dataVolume = UUID.randomUUID().toString();
        volumes.ensureVolume(rootVolume, 64, null);
        volumes.ensureVolume(dataVolume, 16, null);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (driver != null) {
            try {
                driver.undefine(uid);
            } finally {
                driver.close();
            }
        }
        if (volumes != null) {
            for (String volume : volumes.listVolumes()) {
                volumes.deleteVolume(volume);
            }
            volumes.close();
        }
        if (stateDir != null && Files.exists(stateDir)) {
            try (Stream<Path> walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private InstanceSpec spec(long memoryMiB) {
        return new InstanceSpec(uid, "tenants/t1/workspaces/ws1/instances/it-" + uid.substring(0, 8), 1, memoryMiB,
                new KernelBoot(guest.kernel().toString(), guest.initrd().toString(), "console=ttyS0 quiet panic=-1"),
                List.of(new DiskSpec("root", rootVolume, "local"), new DiskSpec("data", dataVolume, "local")), List.of(), PowerState.ON, 0);
    }

    private long ownedCount() {
        return driver.listOwned().keySet().stream().filter(uid::equals).count();
    }

    private long libvirtCount() {
        return TestGuest.virshListAll().stream().filter(DomainXml.domainName(uid)::equals).count();
    }

    @Test
    void fullLifecycle() {
        Path console = driver.consoleLog(uid);
        Path instanceDir = stateDir.resolve("instances").resolve(uid);
        assertEquals(instanceDir.resolve("console.log"), console);
        assertEquals(DomainState.ABSENT, driver.status(uid).state());

        // define: a domain attaching the two volumes, not started
        long t = System.nanoTime();
        driver.define(spec(256));
        long defineMs = TestGuest.millisSince(t);
        assertEquals(new DomainStatus(uid, spec(256).ref(), DomainState.STOPPED, 0), driver.status(uid));
        String xml = String.join("\n", TestGuest.virsh("dumpxml", DomainXml.domainName(uid)));
        assertTrue(xml.contains(rootVolume + ".qcow2") && xml.contains(dataVolume + ".qcow2"), xml);

        // define again (also with a changed spec): still exactly one domain
        t = System.nanoTime();
        driver.define(spec(256));
        long redefineMs = TestGuest.millisSince(t);
        driver.define(spec(288));
        assertEquals(1, ownedCount());
        assertEquals(1, libvirtCount());
        assertEquals(DomainState.STOPPED, driver.status(uid).state());

        // start -> guest reaches userspace and sees both disks
        t = System.nanoTime();
        driver.start(uid);
        long startMs = TestGuest.millisSince(t);
        driver.start(uid); // idempotent
        String text = TestGuest.awaitMarker(console, TestGuest.READY_MARKER, 1, BOOT_TIMEOUT);
        long readyMs = TestGuest.millisSince(t);
        assertTrue(text.contains("SOVRA-GUEST-DISK vda sectors=131072"), text);
        assertTrue(text.contains("SOVRA-GUEST-DISK vdb sectors=32768"), text);
        assertTrue(text.contains("SOVRA-GUEST-DMI sys_vendor="), text);
        assertEquals(DomainState.RUNNING, driver.status(uid).state());
        assertEquals(DomainState.RUNNING, driver.listOwned().get(uid).state());

        // shutdown: the busybox guest ignores ACPI, so the forced fallback stops it after the grace period
        t = System.nanoTime();
        driver.shutdown(uid, Duration.ofSeconds(2));
        long shutdownMs = TestGuest.millisSince(t);
        assertEquals(DomainState.STOPPED, driver.status(uid).state());
        assertTrue(shutdownMs >= 2000, "forced stop came before the grace period ended: " + shutdownMs + " ms");
        driver.shutdown(uid, Duration.ofSeconds(2)); // idempotent, returns at once
        driver.forceStop(uid); // idempotent

        // start again -> second boot, appended to the same console log
        t = System.nanoTime();
        driver.start(uid);
        TestGuest.awaitMarker(console, TestGuest.READY_MARKER, 2, BOOT_TIMEOUT);
        long secondReadyMs = TestGuest.millisSince(t);

        // reboot: power cycle, generation recorded
        t = System.nanoTime();
        driver.reboot(uid, 1);
        long rebootMs = TestGuest.millisSince(t);
        text = TestGuest.awaitMarker(console, TestGuest.READY_MARKER, 3, BOOT_TIMEOUT);
        long rebootReadyMs = TestGuest.millisSince(t);
        assertEquals(3, TestGuest.occurrences(text, TestGuest.BOOT_MARKER), text);
        DomainStatus afterReboot = driver.status(uid);
        assertEquals(DomainState.RUNNING, afterReboot.state());
        assertEquals(1, afterReboot.restartGeneration());
        assertEquals(1, driver.listOwned().get(uid).restartGeneration());

        // re-define keeps the generation carried out (the spec's generation only seeds new domains)
        driver.define(spec(256));
        assertEquals(1, driver.status(uid).restartGeneration());
        assertEquals(DomainState.RUNNING, driver.status(uid).state());

        // undefine while running: domain and every file gone
        t = System.nanoTime();
        driver.undefine(uid);
        long undefineMs = TestGuest.millisSince(t);
        assertEquals(DomainState.ABSENT, driver.status(uid).state());
        assertEquals(0, libvirtCount(), "virsh still lists " + DomainXml.domainName(uid));
        assertFalse(Files.exists(instanceDir), "instance directory left behind: " + instanceDir);
        assertTrue(volumes.volumeSize(rootVolume).isPresent(), "volumes outlive the instance: they are the storage's to delete");
        assertFalse(driver.listOwned().containsKey(uid));
        driver.undefine(uid); // idempotent

        System.out.printf("LibvirtDriverIT timings: define %d ms, re-define %d ms, start() %d ms, start->ready %d ms, "
                        + "shutdown(grace 2 s) %d ms, start->ready again %d ms, reboot() %d ms, reboot->ready %d ms, "
                        + "undefine (running) %d ms%n",
                defineMs, redefineMs, startMs, readyMs, shutdownMs, secondReadyMs, rebootMs, rebootReadyMs, undefineMs);
    }

    @Test
    void operationsOnAbsentDomains() {
        assertEquals(DomainStatus.absent(uid), driver.status(uid));
        driver.forceStop(uid);
        driver.shutdown(uid, Duration.ofSeconds(1));
        driver.undefine(uid);
        HypervisorException start = assertThrows(HypervisorException.class, () -> driver.start(uid));
        assertEquals(uid, start.uid());
        assertEquals("VIR_ERR_NO_DOMAIN", start.errorCode());
        assertThrows(HypervisorException.class, () -> driver.reboot(uid, 1));
    }

    @Test
    void foreignDomainsAreNeverListedOrTouched() throws IOException {
        Path xml = stateDir.resolve("foreign.xml");
        String name = "sovra-foreign-" + uid.substring(0, 8);
        Files.writeString(xml, "<domain type='qemu'><name>" + name + "</name><uuid>" + uid + "</uuid>"
                + "<memory unit='MiB'>64</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>");
        TestGuest.virsh("define", xml.toString());
        try {
            assertFalse(driver.listOwned().containsKey(uid));
            HypervisorException status = assertThrows(HypervisorException.class, () -> driver.status(uid));
            assertTrue(status.getMessage().contains("no Sovra ownership metadata"), status.getMessage());
            assertThrows(HypervisorException.class, () -> driver.undefine(uid));
            assertThrows(HypervisorException.class, () -> driver.define(spec(256)));
            assertTrue(TestGuest.virshListAll().contains(name), "the foreign domain was removed");
        } finally {
            TestGuest.virsh("undefine", name);
            driver.close();
            driver = null; // nothing of ours to clean up
        }
    }

    @Test
    void aRunningGuestGainsAndLosesDataVolumesWithoutRestart() throws Exception {
        InstanceSpec bootOnly = new InstanceSpec(uid, "tenants/t1/workspaces/ws1/instances/hotplug", 1, 256,
                new KernelBoot(guest.kernel().toString(), guest.initrd().toString(), "console=ttyS0 quiet panic=-1"),
                List.of(new DiskSpec("root", rootVolume, "local")), List.of(), PowerState.ON, 0);
        driver.define(bootOnly);
        driver.start(uid);
        TestGuest.awaitMarker(driver.consoleLog(uid), TestGuest.READY_MARKER, 1, BOOT_TIMEOUT);
        String pid = TestGuest.virsh("domid", DomainXml.domainName(uid)).get(0).trim();

        InstanceSpec withData = new InstanceSpec(uid, bootOnly.ref(), 1, 256, bootOnly.kernelBoot(),
                List.of(new DiskSpec("root", rootVolume, "local"), new DiskSpec("data0", dataVolume, "local")), List.of(),
                PowerState.ON, 0);
        driver.define(withData);
        List<String> live = TestGuest.virsh("domblklist", DomainXml.domainName(uid));
        assertTrue(live.stream().anyMatch(l -> l.contains("vdb") && l.contains(dataVolume)), String.join("\n", live));
        assertEquals(pid, TestGuest.virsh("domid", DomainXml.domainName(uid)).get(0).trim(), "attached without a restart");

        driver.define(bootOnly);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (TestGuest.virsh("domblklist", DomainXml.domainName(uid)).stream().anyMatch(l -> l.contains(dataVolume))
                && System.nanoTime() < deadline) {
            Thread.sleep(200); // the guest acknowledges the unplug through ACPI
        }
        live = TestGuest.virsh("domblklist", DomainXml.domainName(uid));
        assertTrue(live.stream().noneMatch(l -> l.contains(dataVolume)), String.join("\n", live));
        assertEquals(pid, TestGuest.virsh("domid", DomainXml.domainName(uid)).get(0).trim(), "detached without a restart");
    }

    @Test
    void offersQemuDomainType() {
        assertTrue(driver.offeredDomainTypes().contains("qemu"), driver.offeredDomainTypes().toString());
    }

    @Test
    void diskBootSpecDefinesWithoutKernel() {
        InstanceSpec diskBoot = new InstanceSpec(uid, "tenants/t1/workspaces/ws1/instances/disk-boot", 1, 256, null,
                List.of(new DiskSpec("root", rootVolume, "local")), List.of(), PowerState.OFF, 4);
        driver.define(diskBoot);
        DomainStatus status = driver.status(uid);
        assertEquals(DomainState.STOPPED, status.state());
        assertEquals(4, status.restartGeneration()); // a new domain starts at the spec's generation
        List<String> xml = TestGuest.virsh("dumpxml", DomainXml.domainName(uid));
        assertTrue(xml.contains("<boot dev='hd'/>"), String.join("\n", xml));
        assertTrue(xml.stream().noneMatch(line -> line.contains("<kernel>")), String.join("\n", xml));
    }
}
