package dev.sovra.agent.inventory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a procfs/sysfs tree with the contents a Linux kernel produces, for {@link HostFacts#read(Path)}:
 * a two-socket Xeon host, 4 cores x 2 threads per socket, 128 GiB split over two NUMA nodes, with the
 * kernel's usual CPU numbering (threads of a core are {@code n} and {@code n+8}).
 */
final class FakeHost {
    static final String MODEL = "Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz";
    static final String FLAGS = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx"
            + " fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon pebs bts rep_good nopl"
            + " xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma"
            + " cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand"
            + " lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l3 invpcid_single intel_ppin ssbd mba ibrs ibpb stibp"
            + " ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid"
            + " avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl"
            + " xsaveopt xsavec xgetbv1 xsaves wbnoinvd dtherm ida arat pln pts vnmi avx512vbmi umip pku ospke avx512_vbmi2"
            + " gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme avx512_vpopcntdq la57 rdpid fsrm md_clear pconfig"
            + " flush_l1d arch_capabilities";

    private FakeHost() {
    }

    static Path twoSocketHost(Path root) {
        StringBuilder cpuinfo = new StringBuilder();
        for (int cpu = 0; cpu < 16; cpu++) {
            int socket = (cpu % 8) / 4;
            int core = cpu % 4;
            cpuinfo.append("processor\t: ").append(cpu).append('\n')
                    .append("vendor_id\t: GenuineIntel\n")
                    .append("cpu family\t: 6\n")
                    .append("model\t\t: 106\n")
                    .append("model name\t: ").append(MODEL).append('\n')
                    .append("stepping\t: 6\n")
                    .append("cpu MHz\t\t: 2000.000\n")
                    .append("physical id\t: ").append(socket).append('\n')
                    .append("siblings\t: 8\n")
                    .append("core id\t\t: ").append(core).append('\n')
                    .append("cpu cores\t: 4\n")
                    .append("flags\t\t: ").append(FLAGS).append('\n')
                    .append("bogomips\t: 4000.00\n")
                    .append("address sizes\t: 46 bits physical, 57 bits virtual\n")
                    .append("power management:\n\n");
        }
        write(root, "proc/cpuinfo", cpuinfo.toString());
        write(root, "proc/meminfo", """
                MemTotal:       131599640 kB
                MemFree:        127834512 kB
                MemAvailable:   128203944 kB
                Buffers:            5432 kB
                Cached:           912340 kB
                HugePages_Total:       0
                Hugepagesize:       2048 kB
                """);
        write(root, "proc/sys/kernel/hostname", "hv-r650-01\n");
        write(root, "etc/hostname", "stale-name\n");
        write(root, "sys/devices/system/node/possible", "0-1\n");
        write(root, "sys/devices/system/node/online", "0-1\n");
        write(root, "sys/devices/system/node/has_cpu", "0-1\n");
        write(root, "sys/devices/system/node/node0/cpulist", "0-3,8-11\n");
        write(root, "sys/devices/system/node/node0/meminfo", nodeMeminfo(0, 65755892));
        write(root, "sys/devices/system/node/node1/cpulist", "4-7,12-15\n");
        write(root, "sys/devices/system/node/node1/meminfo", nodeMeminfo(1, 66060288));
        write(root, "sys/devices/system/cpu/online", "0-15\n");
        return root;
    }

    static String nodeMeminfo(int node, long totalKiB) {
        String prefix = "Node " + node + " ";
        return prefix + "MemTotal:       " + totalKiB + " kB\n"
                + prefix + "MemFree:        " + (totalKiB - 1_900_000) + " kB\n"
                + prefix + "MemUsed:         1900000 kB\n"
                + prefix + "Active:           420012 kB\n"
                + prefix + "HugePages_Total:     0\n"
                + prefix + "HugePages_Free:      0\n";
    }

    static void write(Path root, String relative, String content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
