package dev.sovra.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** CPU time of this JVM's threads grouped by name (numbers stripped), to show where the CPU of a run went. */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {}

    /** Thread-name group -> CPU nanoseconds so far (threads that ended are missing). */
    static Map<String, Long> byGroup() {
        Map<String, Long> nanos = new TreeMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                nanos.merge(info.getThreadName().replaceAll("[-#0-9 ]+$", ""), cpu, Long::sum);
            }
        }
        return nanos;
    }

    /** Cores used per group between two readings, largest first, e.g. {@code sovra-agent-io=0.91}. */
    static String between(Map<String, Long> before, Map<String, Long> after, double seconds) {
        StringBuilder text = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1e9 / seconds))
                .filter(e -> e.getValue() >= 0.005)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> text.append(text.isEmpty() ? "" : " ").append(e.getKey()).append('=')
                        .append(String.format(Locale.ROOT, "%.2f", e.getValue())));
        return text.toString();
    }

    /** CPU time (user + system) of this whole JVM so far. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The 1/5/15-minute load averages of the host, e.g. {@code 2.10/3.40/3.05}. */
    static String loadAverage() {
        try {
            String[] parts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return parts[0] + "/" + parts[1] + "/" + parts[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
