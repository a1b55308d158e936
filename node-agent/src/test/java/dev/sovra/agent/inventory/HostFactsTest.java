package dev.sovra.agent.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.NodeInventory.NumaNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFactsTest {

    @Test
    void readsTwoSocketNumaHost(@TempDir Path root) {
        HostFacts facts = HostFacts.read(FakeHost.twoSocketHost(root));

        assertEquals("hv-r650-01", facts.hostname());
        assertEquals(FakeHost.MODEL, facts.cpuModel());
        assertEquals(16, facts.logicalCpus());
        assertEquals(131599640L / 1024, facts.memoryMiB());
        assertTrue(facts.cpuFlags().containsAll(List.of("vmx", "aes", "avx2", "avx512f")), facts.cpuFlags().toString());
        assertFalse(facts.cpuFlags().contains("svm"));
        assertEquals(List.of(
                new NumaNode(0, List.of(0, 1, 2, 3, 8, 9, 10, 11), 65755892L / 1024),
                new NumaNode(1, List.of(4, 5, 6, 7, 12, 13, 14, 15), 66060288L / 1024)), facts.numaNodes());
    }

    @Test
    void ordersNodesNumericallyAndKeepsMemoryOnlyNodes(@TempDir Path root) {
        FakeHost.twoSocketHost(root);
        FakeHost.write(root, "sys/devices/system/node/node10/cpulist", "\n");
        FakeHost.write(root, "sys/devices/system/node/node10/meminfo", FakeHost.nodeMeminfo(10, 268435456));
        FakeHost.write(root, "sys/devices/system/node/node2/cpulist", "16-17\n");
        FakeHost.write(root, "sys/devices/system/node/node2/meminfo", FakeHost.nodeMeminfo(2, 1048576));

        List<NumaNode> nodes = HostFacts.read(root).numaNodes();

        assertEquals(List.of(0, 1, 2, 10), nodes.stream().map(NumaNode::id).toList());
        assertEquals(List.of(16, 17), nodes.get(2).cpus());
        assertEquals(List.of(), nodes.get(3).cpus(), "CXL / memory-only node");
        assertEquals(262144L, nodes.get(3).memoryMiB());
    }

    @Test
    void kernelWithoutNumaGetsOneSyntheticNode(@TempDir Path root) throws IOException {
        FakeHost.twoSocketHost(root);
        deleteTree(root.resolve("sys/devices/system/node"));

        HostFacts facts = HostFacts.read(root);

        assertEquals(List.of(new NumaNode(0, HostFacts.parseCpuList("0-15"), facts.memoryMiB())), facts.numaNodes());
    }

    @Test
    void readsArm64CpuInfo(@TempDir Path root) {
        StringBuilder cpuinfo = new StringBuilder();
        for (int cpu = 0; cpu < 4; cpu++) {
            cpuinfo.append("processor\t: ").append(cpu).append('\n')
                    .append("BogoMIPS\t: 50.00\n")
                    .append("Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n")
                    .append("CPU implementer\t: 0x41\n")
                    .append("CPU architecture: 8\n")
                    .append("CPU variant\t: 0x3\n")
                    .append("CPU part\t: 0xd0c\n")
                    .append("CPU revision\t: 1\n\n");
        }
        FakeHost.write(root, "proc/cpuinfo", cpuinfo.toString());
        FakeHost.write(root, "proc/meminfo", "MemTotal:        8007412 kB\nMemFree:         7000000 kB\n");
        FakeHost.write(root, "etc/hostname", "arm-node\n");

        HostFacts facts = HostFacts.read(root);

        assertEquals("CPU implementer 0x41 part 0xd0c", facts.cpuModel());
        assertEquals(4, facts.logicalCpus());
        assertTrue(facts.cpuFlags().contains("asimd"));
        assertEquals("arm-node", facts.hostname(), "falls back to /etc/hostname");
        assertEquals(List.of(new NumaNode(0, List.of(0, 1, 2, 3), 7819)), facts.numaNodes(),
                "no cpu/online file: CPUs 0..n-1");
    }

    @Test
    void parsesKernelCpuLists() {
        assertEquals(List.of(0, 1, 2, 3, 8, 9, 10, 11), HostFacts.parseCpuList("0-3,8-11\n"));
        assertEquals(List.of(0), HostFacts.parseCpuList("0"));
        assertEquals(List.of(0, 2, 4, 5, 6), HostFacts.parseCpuList("0,2,4-6"));
        assertEquals(List.of(), HostFacts.parseCpuList("\n"));
        assertEquals(List.of(), HostFacts.parseCpuList(null));
        assertEquals(List.of(1, 2, 3), HostFacts.parseCpuList("2-3,1,2"));
        for (String bad : List.of("a-b", "3-1", "-1", "0-", "0,,1", "0-3:2", "0-99999999")) {
            assertThrows(IllegalArgumentException.class, () -> HostFacts.parseCpuList(bad), bad);
        }
    }

    @Test
    void missingProcFilesFailNamingTheFile(@TempDir Path root) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> HostFacts.read(root));
        assertTrue(e.getMessage().contains("proc/cpuinfo"), e.getMessage());

        FakeHost.twoSocketHost(root);
        FakeHost.write(root, "proc/meminfo", "MemFree: 1 kB\n");
        IllegalStateException noTotal = assertThrows(IllegalStateException.class, () -> HostFacts.read(root));
        assertTrue(noTotal.getMessage().contains("proc/meminfo"), noTotal.getMessage());
    }

    @Test
    void readsThisHost() {
        HostFacts facts = HostFacts.read();

        assertEquals(Runtime.getRuntime().availableProcessors(), facts.logicalCpus());
        assertTrue(facts.memoryMiB() > 0);
        assertEquals(0, facts.numaNodes().get(0).id());
        assertTrue(facts.numaNodes().get(0).cpus().contains(0));
        assertFalse(facts.hostname().isBlank());
        assertNotNull(facts.cpuModel());
        assertFalse(facts.cpuFlags().isEmpty());
    }

    private static void deleteTree(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
