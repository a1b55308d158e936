package dev.sovra.agent.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.sovra.hardware.DmiInfo;
import dev.sovra.hardware.ProfileCatalog;
import dev.sovra.hardware.ProfileMatch;
import dev.sovra.model.NodeInventory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryCollectorTest {

    @Test
    void collectsThisHostAsGenericWithoutDmi() {
        assumeFalse(Files.isDirectory(DmiInfo.HOST_DMI_DIRECTORY), "this host has DMI data");
        InventoryCollector collector = new InventoryCollector();

        NodeInventory inventory = collector.collect(List.of("qemu"), "qemu", "a", List.of("local"));

        assertEquals("generic", inventory.hardwareProfile());
        assertEquals(Runtime.getRuntime().availableProcessors(), inventory.logicalCpus());
        assertTrue(inventory.memoryMiB() > 0);
        assertEquals(0, inventory.numaNodes().get(0).id());
        assertEquals(List.of("qemu"), inventory.domainTypes());
        assertEquals("qemu", inventory.domainType());
        assertEquals("a", inventory.zone());
        assertFalse(inventory.hostname().isBlank());

        ProfileMatch match = collector.profileMatch();
        assertTrue(match.generic());
        assertTrue(match.warnings().get(0).contains("no DMI data"), match.warnings().toString());
        assertSame(match, collector.profileMatch(), "matched once");
    }

    @Test
    void collectsFakeDellHost(@TempDir Path root) {
        FakeHost.twoSocketHost(root);
        FakeHost.write(root, "sys/class/dmi/id/sys_vendor", "Dell Inc.\n");
        FakeHost.write(root, "sys/class/dmi/id/product_name", "PowerEdge R650\n");
        FakeHost.write(root, "sys/class/dmi/id/board_name", "0Y2G81\n");
        InventoryCollector collector = new InventoryCollector(root, ProfileCatalog.builtin());

        NodeInventory inventory = collector.collect(List.of("qemu", "kvm"), "kvm", "zone-b", List.of("local", "ceph"));

        assertEquals(new NodeInventory("hv-r650-01", FakeHost.MODEL, 16, 131599640L / 1024,
                HostFacts.read(root).numaNodes(), List.of("qemu", "kvm"), "kvm", "dell-poweredge-r650", "zone-b", List.of("local", "ceph"),
                List.of()),
                inventory);
        assertFalse(collector.profileMatch().generic());
        assertEquals(List.of(), collector.profileMatch().warnings());
        assertEquals(4.0, collector.profileMatch().profile().overcommit().cpuRatio());
    }

    @Test
    void unknownVendorIsGenericAndToleratesUnofferedDomainType(@TempDir Path root) {
        FakeHost.twoSocketHost(root);
        FakeHost.write(root, "sys/class/dmi/id/sys_vendor", "To Be Filled By O.E.M.\n");
        FakeHost.write(root, "sys/class/dmi/id/product_name", "To Be Filled By O.E.M.\n");

        InventoryCollector collector = new InventoryCollector(root, ProfileCatalog.builtin());
        NodeInventory inventory = collector.collect(List.of("qemu"), "kvm", "a", List.of("local"));

        assertEquals("generic", inventory.hardwareProfile());
        assertTrue(collector.profileMatch().warnings().get(0).contains("sys_vendor=\"To Be Filled By O.E.M.\""));
        assertEquals(List.of("qemu"), inventory.domainTypes());
    }
}
