package dev.sovra.agent.inventory;

import dev.sovra.model.NodeInventory.NumaNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU, memory and NUMA facts of the host, read from procfs and sysfs.
 *
 * <p>Every reader takes the filesystem root ({@code /} in production), so tests can point it at a tree
 * of real-looking {@code proc/} and {@code sys/} files.
 *
 * @param hostname the kernel's host name
 * @param cpuModel the CPU model name ({@code model name} in {@code /proc/cpuinfo}); {@code null} if the
 *        kernel does not report one
 * @param cpuFlags the CPU feature flags of the first CPU ({@code flags}, or {@code Features} on arm64)
 * @param logicalCpus online logical CPUs
 * @param memoryMiB {@code MemTotal} of {@code /proc/meminfo}
 * @param numaNodes the NUMA cells, by id; one synthetic cell with all CPUs and memory when the kernel has
 *        no NUMA support
 */
public record HostFacts(
        String hostname,
        String cpuModel,
        Set<String> cpuFlags,
        int logicalCpus,
        long memoryMiB,
        List<NumaNode> numaNodes) {

    /** Far above any kernel's NR_CPUS; guards against absurd ranges. */
    private static final int MAX_CPU_ID = 65535;
    private static final Pattern NODE_DIRECTORY = Pattern.compile("node(\\d+)");
    private static final Pattern MEM_TOTAL = Pattern.compile("(?m)^(?:Node \\d+ )?MemTotal:\\s+(\\d+)\\s*kB\\s*$");

    public HostFacts {
        cpuFlags = Set.copyOf(cpuFlags);
        numaNodes = List.copyOf(numaNodes);
    }

    /** Reads this host. */
    public static HostFacts read() {
        return read(Path.of("/"));
    }

    /**
     * Reads {@code <root>/proc/cpuinfo}, {@code <root>/proc/meminfo},
     * {@code <root>/sys/devices/system/node/node<N>/{cpulist,meminfo}} and the host name
     * ({@code <root>/proc/sys/kernel/hostname}, then {@code <root>/etc/hostname}).
     *
     * @throws UncheckedIOException if {@code cpuinfo} or {@code meminfo} is missing or unreadable
     * @throws IllegalStateException if they do not contain what every Linux kernel writes
     */
    public static HostFacts read(Path root) {
        Path cpuinfoFile = root.resolve("proc/cpuinfo");
        CpuInfo cpu = parseCpuInfo(readRequired(cpuinfoFile));
        int logicalCpus = cpu.processors();
        if (logicalCpus == 0) {
            // Some architectures (s390x) do not write one "processor" block per CPU.
            logicalCpus = readOptional(root.resolve("sys/devices/system/cpu/online")).map(HostFacts::parseCpuList)
                    .map(List::size).orElse(0);
        }
        if (logicalCpus == 0) {
            throw new IllegalStateException("cannot count logical CPUs: no 'processor' entries in " + cpuinfoFile);
        }
        Path meminfoFile = root.resolve("proc/meminfo");
        long memoryMiB = parseMemTotalKiB(readRequired(meminfoFile), meminfoFile) / 1024;
        List<NumaNode> numa = readNumaNodes(root);
        if (numa.isEmpty()) {
            List<Integer> cpus = readOptional(root.resolve("sys/devices/system/cpu/online")).map(HostFacts::parseCpuList)
                    .orElseGet(() -> range(0, cpu.processors() > 0 ? cpu.processors() - 1 : -1));
            numa = List.of(new NumaNode(0, cpus, memoryMiB));
        }
        return new HostFacts(readHostname(root), cpu.model(), cpu.flags(), logicalCpus, memoryMiB, numa);
    }

    /**
     * Parses a kernel CPU list such as {@code 0-3,8-11} (the format of {@code cpulist} and
     * {@code /sys/devices/system/cpu/online}). Blank means no CPUs. The result is ascending, without
     * duplicates.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static List<Integer> parseCpuList(String text) {
        TreeSet<Integer> cpus = new TreeSet<>();
        String list = text == null ? "" : text.strip();
        if (list.isEmpty()) {
            return List.of();
        }
        for (String part : list.split(",")) {
            String item = part.strip();
            try {
                int dash = item.indexOf('-');
                if (dash < 0) {
                    int cpu = Integer.parseInt(item);
                    if (cpu < 0 || cpu > MAX_CPU_ID) {
                        throw new IllegalArgumentException("bad CPU '" + item + "' in CPU list '" + list + "'");
                    }
                    cpus.add(cpu);
                } else {
                    int first = Integer.parseInt(item.substring(0, dash));
                    int last = Integer.parseInt(item.substring(dash + 1));
                    if (first < 0 || last < first || last > MAX_CPU_ID) {
                        throw new IllegalArgumentException("bad CPU range '" + item + "' in CPU list '" + list + "'");
                    }
                    cpus.addAll(range(first, last));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad entry '" + item + "' in CPU list '" + list + "'", e);
            }
        }
        return List.copyOf(cpus);
    }

    /** What {@link #read(Path)} takes from {@code /proc/cpuinfo}. */
    record CpuInfo(int processors, String model, Set<String> flags) {
    }

    static CpuInfo parseCpuInfo(String text) {
        int processors = 0;
        String model = null;
        String fallbackModel = null;
        String implementer = null;
        String part = null;
        Set<String> flags = null;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "processor" -> processors++;
                case "model name" -> model = model == null ? value : model;
                case "Processor", "cpu model", "cpu" -> fallbackModel = fallbackModel == null ? value : fallbackModel;
                case "CPU implementer" -> implementer = implementer == null ? value : implementer;
                case "CPU part" -> part = part == null ? value : part;
                case "flags", "Features" -> {
                    if (flags == null) {
                        flags = new TreeSet<>(List.of(value.isEmpty() ? new String[0] : value.split("\\s+")));
                    }
                }
                default -> {
                    // other keys are not inventory facts
                }
            }
        }
        if (model == null) {
            model = fallbackModel != null ? fallbackModel
                    : implementer != null ? "CPU implementer " + implementer + (part != null ? " part " + part : "")
                    : null;
        }
        return new CpuInfo(processors, model, flags == null ? Set.of() : flags);
    }

    /** {@code MemTotal} in KiB from {@code /proc/meminfo} or a NUMA node's {@code meminfo}. */
    static long parseMemTotalKiB(String meminfo, Path file) {
        Matcher matcher = MEM_TOTAL.matcher(meminfo);
        if (!matcher.find()) {
            throw new IllegalStateException("no 'MemTotal: <n> kB' line in " + file);
        }
        return Long.parseLong(matcher.group(1));
    }

    private static List<NumaNode> readNumaNodes(Path root) {
        Path nodes = root.resolve("sys/devices/system/node");
        if (!Files.isDirectory(nodes)) {
            return List.of();
        }
        List<NumaNode> result = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(nodes)) {
            for (Path directory : stream) {
                Matcher name = NODE_DIRECTORY.matcher(directory.getFileName().toString());
                if (!name.matches() || !Files.isDirectory(directory)) {
                    continue;
                }
                int id = Integer.parseInt(name.group(1));
                List<Integer> cpus = readOptional(directory.resolve("cpulist")).map(HostFacts::parseCpuList).orElse(List.of());
                Path meminfo = directory.resolve("meminfo");
                long memoryMiB = readOptional(meminfo).map(text -> parseMemTotalKiB(text, meminfo) / 1024).orElse(0L);
                result.add(new NumaNode(id, cpus, memoryMiB));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + nodes, e);
        }
        result.sort(Comparator.comparingInt(NumaNode::id));
        return result;
    }

    private static String readHostname(Path root) {
        for (String file : List.of("proc/sys/kernel/hostname", "etc/hostname")) {
            String name = readOptional(root.resolve(file)).map(String::strip).orElse("");
            if (!name.isEmpty() && !name.startsWith("#") && !"(none)".equals(name)) {
                return name;
            }
        }
        if (root.toAbsolutePath().getParent() == null) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                // fall through
            }
        }
        return "localhost";
    }

    private static String readRequired(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Optional<String> readOptional(Path file) {
        try {
            return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Integer> range(int first, int last) {
        List<Integer> values = new ArrayList<>();
        for (int value = first; value <= last; value++) {
            values.add(value);
        }
        return values;
    }
}
