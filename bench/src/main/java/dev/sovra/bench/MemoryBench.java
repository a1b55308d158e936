package dev.sovra.bench;

import dev.sovra.transport.Enrolment;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench memory --agents 1,1000,2000,4000 [--instances 0,1000,4000]}: the controller's memory per connected
 * node and per instance. A REAL controller process ({@link ControllerProcess}, {@code -Xmx512m} as {@code ./sovra up},
 * native memory tracking on) gets SIMULATED agents ({@link E2eAgent}: real enrolment, real mutual TLS, no hypervisor;
 * all on a few shared threads) up to each agent level in turn; then, at the last agent level, instances are PUT up to
 * each instance level (spread over the nodes by the scheduler). At every level, once every node is READY, every
 * instance reached its agent and the controller's CPU has gone quiet, it forces a full GC ({@code jcmd GC.run}) and
 * reads RSS and threads ({@code /proc}), heap used/committed ({@code jcmd GC.heap_info}), native memory by category
 * ({@code jcmd VM.native_memory summary}) and a class histogram ({@code jcmd GC.class_histogram}). It prints one
 * summary line per level, the growth per 1,000 nodes / instances against the first level, and the classes that grew
 * most between the first and the last agent level (per node).
 */
final class MemoryBench {
    private static final String TENANT = "t";
    private static final String WORKSPACE = "w";
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern NMT_CATEGORY = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final List<String> NMT_SHOWN = List.of("Java Heap", "Class", "Thread", "Code", "GC", "Internal", "Other",
            "Symbol", "Arena Chunk", "Metaspace");

    private MemoryBench() {}

    /** The figures of one level. */
    record Level(int agents, int instances, long rssBeforeGcKib, long rssKib, long rssAnonKib, int threads, long heapUsedKib, long heapCommittedKib,
                 long nmtCommittedKib, Map<String, Long> nmtCommittedByCategoryKib, Map<String, long[]> histogram) {
        /** Live heap: the class histogram's total (taken right after its own full GC; "used" also counts new garbage). */
        long heapLiveKib() {
            return histogram.values().stream().mapToLong(v -> v[1]).sum() / 1024;
        }
    }

    static void run(Args args) throws Exception {
        int[] agentLevels = levels(args.option("--agents"), "1,1000,2000,4000");
        int[] instanceLevels = levels(args.option("--instances"), "0");
        String heap = args.option("--controller-heap") == null ? "512m" : args.option("--controller-heap");
        boolean nmt = !"off".equals(args.option("--nmt"));
        int settleSeconds = args.intOption("--settle-seconds", 5);
        Path histograms = args.option("--histograms") == null ? null : Path.of(args.option("--histograms"));
        boolean keep = args.values().contains("--keep");
        List<String> jvm = new ArrayList<>();
        if (nmt) {
            jvm.add("-XX:NativeMemoryTracking=summary");
        }
        if (args.option("--controller-jvm") != null) { // e.g. "-XX:MaxDirectMemorySize=64m -Dio.netty.allocator.type=unpooled"
            jvm.addAll(Arrays.asList(args.option("--controller-jvm").trim().split("\\s+")));
        }
        if (histograms != null) {
            Files.createDirectories(histograms);
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (args.option("--controller-env") != null) { // e.g. "MALLOC_ARENA_MAX=2"
            for (String pair : args.option("--controller-env").trim().split("\\s+")) {
                env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }

        List<E2eAgent> agents = new ArrayList<>();
        ExecutorService reporter = Executors.newSingleThreadExecutor(r -> daemon(r, "simulated-agents-reporter"));
        TransportClient.SharedThreads shared = AgentsProcess.sharedThreads(args.option("--agent-threads"));
        ControllerProcess controller = null;
        List<Level> measured = new ArrayList<>();
        try {
            System.err.printf(Locale.ROOT, "memory: loadavg before: %s; controller -Xmx%s %s env %s%n", ControllerProcess.loadAverage(), heap,
                    jvm, env);
            controller = ControllerProcess.start(ControllerProcess.controllerDir(args.option("--controller-dir")), heap, jvm, env, TENANT,
                    keep);
            Set<String> seen = ConcurrentHashMap.newKeySet();
            E2eAgent.FirstSeen onSeen = (name, nanos) -> seen.add(name);
            AtomicInteger disconnects = new AtomicInteger();
            AtomicLong desiredMessages = new AtomicLong();
            AtomicLong desiredSpecs = new AtomicLong();
            ExecutorService enrolPool = Executors.newFixedThreadPool(16, r -> daemon(r, "memory-enrol"));
            try {
                for (int level : agentLevels) {
                    long t0 = System.nanoTime();
                    int from = agents.size();
                    List<String> tokens = parallelTokens(controller, enrolPool, level - from);
                    List<Future<Credentials>> enrolled = new ArrayList<>();
                    for (int i = from; i < level; i++) {
                        String token = tokens.get(i - from);
                        String nodeId = E2eBench.nodeId(i);
                        int enrolPort = controller.enrolPort;
                        enrolled.add(enrolPool.submit(() -> Enrolment.enrol("127.0.0.1", enrolPort, EnrolmentToken.parse(token), nodeId,
                                Duration.ofSeconds(120))));
                    }
                    for (int i = from; i < level; i++) {
                        E2eAgent agent = new E2eAgent(E2eBench.nodeId(i), enrolled.get(i - from).get(), controller.agentPort, onSeen,
                                reporter, disconnects, desiredMessages, desiredSpecs, shared);
                        agents.add(agent);
                        agent.start();
                    }
                    for (E2eAgent agent : agents.subList(from, level)) {
                        if (!agent.welcomed().await(300, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("a simulated agent was not welcomed within 300 s");
                        }
                    }
                    controller.awaitReadyNodes(level);
                    System.err.printf(Locale.ROOT, "memory: %d simulated agents READY (+%d in %.1f s)%n", level, level - from,
                            (System.nanoTime() - t0) / 1e9);
                    measured.add(measure(controller, level, 0, settleSeconds, nmt, histograms));
                    print(measured);
                }
            } finally {
                enrolPool.shutdown();
            }

            int nodes = agents.size();
            int created = 0;
            for (int level : instanceLevels) {
                if (level == 0) {
                    continue;
                }
                if (created == 0) {
                    String ws = "/providers/seca.workspace/v1/tenants/" + TENANT + "/workspaces/" + WORKSPACE;
                    controller.http.expectCreated("PUT", ws, "{\"spec\":{}}");
                    controller.http.expectCreated("PUT", ws.replace("seca.workspace", "seca.storage") + "/block-storages/boot",
                            "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}");
                }
                long t0 = System.nanoTime();
                putInstances(controller.http, created, level);
                created = level;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
                while (seen.size() < created) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + seen.size() + " of " + created + " instances reached an agent in 600 s");
                    }
                    Thread.sleep(100);
                }
                System.err.printf(Locale.ROOT, "memory: %d instances at their agents (%d nodes; +%d in %.1f s)%n", created, nodes,
                        level, (System.nanoTime() - t0) / 1e9);
                measured.add(measure(controller, nodes, created, settleSeconds, nmt, histograms));
                print(measured);
            }
            System.err.printf(Locale.ROOT, "memory: agent disconnects %d; DesiredState messages %d carrying %d instance specs;"
                    + " loadavg after: %s%n", disconnects.get(), desiredMessages.get(), desiredSpecs.get(), ControllerProcess.loadAverage());
            if (agentLevels.length > 1) {
                histogramGrowth(measured.get(0), measured.get(agentLevels.length - 1), "node",
                        measured.get(agentLevels.length - 1).agents - measured.get(0).agents);
            }
            if (measured.size() > agentLevels.length) {
                Level last = measured.get(measured.size() - 1);
                histogramGrowth(measured.get(agentLevels.length - 1), last, "instance", last.instances);
            }
            summary(measured, agentLevels.length);
        } catch (Exception | Error e) {
            System.err.println("memory: FAILED: " + e);
            if (controller != null) {
                controller.tailLog();
            }
            throw e;
        } finally {
            agents.parallelStream().forEach(E2eAgent::close);
            if (shared != null) {
                shared.close();
            }
            reporter.shutdownNow();
            if (controller != null) {
                controller.close();
            }
        }
    }

    /** One-time enrolment tokens minted from the pool's threads (one POST each). */
    private static List<String> parallelTokens(ControllerProcess controller, ExecutorService pool, int count) throws Exception {
        List<Future<List<String>>> batches = new ArrayList<>();
        for (int i = 0; i < count; i += 100) {
            int size = Math.min(100, count - i);
            batches.add(pool.submit(() -> controller.enrolmentTokens(size)));
        }
        List<String> tokens = new ArrayList<>();
        for (Future<List<String>> batch : batches) {
            tokens.addAll(batch.get());
        }
        return tokens;
    }

    private static void putInstances(ControllerProcess.Http http, int from, int to) throws Exception {
        String compute = "/providers/seca.compute/v1/tenants/" + TENANT + "/workspaces/" + WORKSPACE + "/instances/";
        String body = "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\",\"bootVolume\":{\"deviceRef\":\"block-storages/boot\"}}}";
        AtomicInteger next = new AtomicInteger(from);
        ExecutorService clients = Executors.newFixedThreadPool(4, r -> daemon(r, "memory-client"));
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                        http.expectCreated("PUT", compute + E2eBench.instanceName(i), body);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } finally {
            clients.shutdown();
        }
    }

    /** Waits until the controller is idle, forces a full GC and reads its figures. */
    private static Level measure(ControllerProcess controller, int agents, int instances, int settleSeconds, boolean nmt,
                                 Path histograms) throws Exception {
        long pid = controller.pid();
        double cpuPercent = awaitQuiet(pid);
        Thread.sleep(TimeUnit.SECONDS.toMillis(settleSeconds));
        long rssBeforeGc = kib(procStatus(pid).get("VmRSS")); // what an idle controller that never runs a full GC holds
        jcmd(pid, "GC.run");
        Thread.sleep(1000);
        Map<String, String> status = procStatus(pid);
        long rss = kib(status.get("VmRSS"));
        long rssAnon = kib(status.getOrDefault("RssAnon", "0 kB"));
        int threads = Integer.parseInt(status.get("Threads").trim());
        Matcher heap = HEAP.matcher(jcmd(pid, "GC.heap_info"));
        if (!heap.find()) {
            throw new IllegalStateException("no heap figures in jcmd GC.heap_info");
        }
        long nmtTotal = 0;
        Map<String, Long> nmtCategories = new LinkedHashMap<>();
        if (nmt) {
            String summary = jcmd(pid, "VM.native_memory summary");
            Matcher total = NMT_TOTAL.matcher(summary);
            if (total.find()) {
                nmtTotal = Long.parseLong(total.group(2));
            }
            for (String line : summary.split("\n")) {
                Matcher category = NMT_CATEGORY.matcher(line.trim());
                if (category.find() && NMT_SHOWN.contains(category.group(1))) {
                    nmtCategories.put(category.group(1), Long.parseLong(category.group(3)));
                }
            }
        }
        String histogramText = jcmd(pid, "GC.class_histogram");
        if (histograms != null) {
            Files.writeString(histograms.resolve("histogram-agents" + agents + "-instances" + instances + ".txt"), histogramText);
        }
        Map<String, long[]> histogram = new HashMap<>();
        for (String line : histogramText.split("\n")) {
            Matcher row = HISTOGRAM_ROW.matcher(line);
            if (row.find()) {
                histogram.merge(row.group(3), new long[] {Long.parseLong(row.group(1)), Long.parseLong(row.group(2))},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        Level level = new Level(agents, instances, rssBeforeGc, rss, rssAnon, threads, Long.parseLong(heap.group(2)), Long.parseLong(heap.group(1)),
                nmtTotal, nmtCategories, histogram);
        StringBuilder categories = new StringBuilder();
        nmtCategories.forEach((name, kib) -> categories.append(String.format(Locale.ROOT, " %s=%.1f", name.replace(' ', '_'), kib / 1024.0)));
        System.err.printf(Locale.ROOT, "memory: agents=%d instances=%d idle controller CPU %.0f %% of a core; rss before GC %.1f MiB,"
                        + " after %.1f MiB (anon %.1f) threads=%d heap live %.1f MiB, used %.1f of %.1f MiB committed; NMT committed %.1f MiB (RSS minus NMT: %.1f MiB outside the JVM's own accounting:"
                        + " malloc of native libraries such as OpenSSL, glibc arenas); NMT MiB:%s; loadavg %s%n",
                agents, instances, cpuPercent, rssBeforeGc / 1024.0, rss / 1024.0, rssAnon / 1024.0, threads,
                level.heapLiveKib() / 1024.0, level.heapUsedKib / 1024.0,
                level.heapCommittedKib / 1024.0, nmtTotal / 1024.0, (rss - nmtTotal) / 1024.0, categories,
                ControllerProcess.loadAverage());
        return level;
    }

    /**
     * Waits (at most 120 s) until the controller's CPU use has settled: under 5 % of a core, or within 25 % of the
     * previous 2-second window (what is left is the heartbeats of the connected agents, which never stop). Returns
     * the last window's use in % of a core.
     */
    private static double awaitQuiet(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        double ticksPerWindow = 200; // USER_HZ (100 on Linux) x 2 s
        long before = cpuTicks(pid);
        double previous = Double.NaN;
        double percent = Double.NaN;
        while (System.nanoTime() < deadline) {
            Thread.sleep(2000);
            long now = cpuTicks(pid);
            percent = 100.0 * (now - before) / ticksPerWindow;
            before = now;
            if (percent < 5 || Math.abs(percent - previous) <= 0.25 * previous) {
                return percent;
            }
            previous = percent;
        }
        System.err.println("memory: controller CPU not settled within 120 s; measuring anyway");
        return percent;
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15 of stat)
    }

    private static Map<String, String> procStatus(long pid) throws IOException {
        Map<String, String> status = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                status.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return status;
    }

    private static long kib(String value) {
        return Long.parseLong(value.replace("kB", "").trim());
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        argv.addAll(Arrays.asList(command.split(" ")));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    /** Classes that grew most from one level to another, per added node or instance. */
    private static void histogramGrowth(Level from, Level to, String unit, int added) {
        List<Map.Entry<String, long[]>> growth = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, long[]> entry : to.histogram.entrySet()) {
            long[] before = from.histogram.getOrDefault(entry.getKey(), new long[2]);
            long[] delta = {entry.getValue()[0] - before[0], entry.getValue()[1] - before[1]};
            total += delta[1];
            growth.add(Map.entry(entry.getKey(), delta));
        }
        growth.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed());
        System.err.printf(Locale.ROOT, "memory: live heap growth from %d agents / %d instances to %d / %d: %.1f MiB, %.0f bytes per %s;"
                + " top classes (bytes per %s, objects per %s):%n", from.agents, from.instances, to.agents, to.instances,
                total / 1048576.0, total / (double) added, unit, unit, unit);
        for (Map.Entry<String, long[]> entry : growth.subList(0, Math.min(30, growth.size()))) {
            System.err.printf(Locale.ROOT, "memory:   %9.0f B %7.1f  %s%n", entry.getValue()[1] / (double) added,
                    entry.getValue()[0] / (double) added, entry.getKey());
        }
    }

    private static void print(List<Level> levels) {
        Level l = levels.get(levels.size() - 1);
        System.out.printf(Locale.ROOT, "agents=%d instances=%d rss_before_gc_mib=%.1f rss_mib=%.1f heap_live_mib=%.1f heap_used_mib=%.1f"
                        + " heap_committed_mib=%.1f nmt_committed_mib=%.1f nmt_other_mib=%.1f nmt_thread_mib=%.1f threads=%d%n", l.agents,
                l.instances, l.rssBeforeGcKib / 1024.0, l.rssKib / 1024.0, l.heapLiveKib() / 1024.0, l.heapUsedKib / 1024.0, l.heapCommittedKib / 1024.0, l.nmtCommittedKib / 1024.0,
                l.nmtCommittedByCategoryKib.getOrDefault("Other", 0L) / 1024.0,
                l.nmtCommittedByCategoryKib.getOrDefault("Thread", 0L) / 1024.0, l.threads);
    }

    /** Growth per 1,000 nodes (first -> last agent level) and per 1,000 instances (at the last agent level). */
    private static void summary(List<Level> levels, int agentLevelCount) {
        Level first = levels.get(0);
        Level lastAgents = levels.get(agentLevelCount - 1);
        Level last = levels.get(levels.size() - 1);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "agents=%d rss_mib=%.1f heap_used_mib=%.1f heap_live_mib=%.1f",
                lastAgents.agents, lastAgents.rssKib / 1024.0, lastAgents.heapUsedKib / 1024.0, lastAgents.heapLiveKib() / 1024.0));
        if (lastAgents.agents > first.agents) {
            double per = 1000.0 / (lastAgents.agents - first.agents) / 1024.0;
            line.append(String.format(Locale.ROOT, " per_1000_nodes_rss_mib=%.1f per_1000_nodes_rss_before_gc_mib=%.1f"
                            + " per_1000_nodes_heap_live_mib=%.1f per_1000_nodes_heap_committed_mib=%.1f per_1000_nodes_outside_nmt_mib=%.1f",
                    (lastAgents.rssKib - first.rssKib) * per, (lastAgents.rssBeforeGcKib - first.rssBeforeGcKib) * per,
                    (lastAgents.heapLiveKib() - first.heapLiveKib()) * per, (lastAgents.heapCommittedKib - first.heapCommittedKib) * per,
                    ((lastAgents.rssKib - lastAgents.nmtCommittedKib) - (first.rssKib - first.nmtCommittedKib)) * per));
        }
        if (last.instances > 0) {
            double per = 1000.0 / last.instances / 1024.0;
            line.append(String.format(Locale.ROOT, " instances=%d per_1000_instances_rss_mib=%.1f per_1000_instances_heap_live_mib=%.1f",
                    last.instances, (last.rssKib - lastAgents.rssKib) * per, (last.heapLiveKib() - lastAgents.heapLiveKib()) * per));
        }
        System.out.println(line);
    }

    private static int[] levels(String option, String fallback) {
        int[] levels = Arrays.stream((option == null ? fallback : option).split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        for (int i = 1; i < levels.length; i++) {
            if (levels[i] <= levels[i - 1]) {
                throw new IllegalArgumentException("levels must ascend: " + Arrays.toString(levels));
            }
        }
        return levels;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }
}
