package dev.sovra.bench;

import dev.sovra.controller.scheduler.CandidatePool;
import dev.sovra.controller.scheduler.ClusterSnapshot;
import dev.sovra.controller.scheduler.FeasibilityCheck;
import dev.sovra.controller.scheduler.NodeUsage;
import dev.sovra.controller.scheduler.PlacementPolicy;
import dev.sovra.controller.scheduler.PlacementRequest;
import dev.sovra.controller.scheduler.Scheduler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * {@code bench scheduler --nodes N [--policy spread|binpack] [--fill F] [--gc]}: runs {@link SchedulerBenchmark} under JMH
 * and prints one summary line. {@code --fill 0.95} fills every node of the fixture to about 95 % (a nearly full fleet);
 * {@code --gc} adds JMH's GC profiler, whose bytes allocated per placement show what a commit copies.
 */
final class SchedulerBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SchedulerBench() {}

    static void run(Args args) throws RunnerException, InterruptedException {
        String mode = args.option("--mode") == null ? "jmh" : args.option("--mode");
        if (mode.equals("plan-apply")) {
            PlanApplyBench.run(args);
            return;
        }
        if (!mode.equals("jmh")) {
            throw new IllegalArgumentException("--mode is jmh or plan-apply, not " + mode);
        }
        int nodes = args.intOption("--nodes", 1000);
        int warmups = args.intOption("--warmup-iterations", 3);
        int iterations = args.intOption("--iterations", 5);
        String kind = args.option("--scheduler") == null ? "standard" : args.option("--scheduler");
        String policy = args.option("--policy") == null ? "spread" : args.option("--policy");
        double fill = fill(args);
        boolean gc = args.values().contains("--gc");
        scheduler(kind, policy);
        String sanity = sanityPass(nodes, kind, policy, fill);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(SchedulerBenchmark.class.getName() + ".placeAndCommit")
                .param("nodes", String.valueOf(nodes))
                .param("scheduler", kind)
                .param("policy", policy)
                .param("fill", String.valueOf(fill))
                .forks(1)
                .jvmArgsAppend("-Xms1g", "-Xmx1g")
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1));
        if (gc) {
            options.addProfiler(GCProfiler.class);
        }
        String loadBefore = ThreadCpu.loadAverage();
        Collection<RunResult> results = new Runner(options.build()).run();
        RunResult result = results.iterator().next();
        Statistics stats = result.getPrimaryResult().getStatistics(); // microseconds per placement
        String allocated = result.getSecondaryResults().entrySet().stream()
                .filter(e -> e.getKey().endsWith("gc.alloc.rate.norm"))
                .map(e -> String.format(Locale.ROOT, " alloc_bytes_per_op=%.0f", e.getValue().getScore()))
                .findFirst().orElse("");
        System.err.printf(Locale.ROOT, "load average before %s, after %s%n", loadBefore, ThreadCpu.loadAverage());
        System.out.println(String.format(Locale.ROOT,
                "nodes=%d scheduler=%s policy=%s fill=%s placements_per_s=%.0f p50_ms=%.4f p99_ms=%.4f p999_ms=%.4f samples=%d%s %s",
                nodes, kind, policy, Double.isNaN(fill) ? "0-0.75" : String.valueOf(fill), 1e6 / stats.getMean(),
                stats.getPercentile(50) / 1000, stats.getPercentile(99) / 1000, stats.getPercentile(99.9) / 1000, stats.getN(),
                allocated, sanity));
    }

    /** {@code --fill F}: every node filled to share F; NaN (the default) for a random 0-75 % per node. */
    static double fill(Args args) {
        String value = args.option("--fill");
        try {
            double fill = value == null ? Double.NaN : Double.parseDouble(value);
            if (fill < 0 || fill > 1) {
                throw new IllegalArgumentException("--fill is a share between 0 and 1, got " + value);
            }
            return fill;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--fill needs a number between 0 and 1, got " + value);
        }
    }

    /** Shows that the benchmark measures successful placements, not a full cluster. */
    static Scheduler scheduler(String kind, String policy) {
        PlacementPolicy placementPolicy = PlacementPolicy.parse(policy);
        return switch (kind) {
            case "standard" -> Scheduler.standard(placementPolicy);
            case "exhaustive" -> Scheduler.exhaustive(placementPolicy);
            default -> throw new IllegalArgumentException("--scheduler is standard or exhaustive, not " + kind);
        };
    }

    /**
     * Also shows what the policy does: how many nodes one pass's placements land on, how empty those were, and how many
     * nodes a decision visits (a counting check placed first sees every candidate: the same figure on any machine).
     * Then the thread CPU time per placement-and-commit over many passes, which a shared machine disturbs less than the
     * wall time JMH measures. Returns those figures as {@code key=value} pairs.
     */
    private static String sanityPass(int nodes, String kind, String policy, double fill) {
        ClusterFixture fixture = ClusterFixture.create(nodes, 42, fill);
        ClusterSnapshot initial = fixture.snapshot();
        ClusterSnapshot snapshot = initial;
        VisitCounter visits = new VisitCounter();
        Scheduler plain = scheduler(kind, policy);
        List<FeasibilityCheck> checks = new ArrayList<>(List.of(visits));
        checks.addAll(plain.checks());
        Scheduler counted = new Scheduler(checks, kind.equals("standard") ? CandidatePool.READY_IN_ZONE : CandidatePool.ALL_NODES,
                kind.equals("standard") ? Scheduler.DEFAULT_SAMPLE_SIZE : Integer.MAX_VALUE, PlacementPolicy.parse(policy));
        int placed = 0;
        int mostVisited = 0;
        Set<String> used = new HashSet<>();
        double freeShareBefore = 0;
        PlacementRequest[] requests = fixture.requests(SchedulerBenchmark.PASS);
        for (PlacementRequest request : requests) {
            int before = visits.count;
            Scheduler.Decision decision = counted.place(snapshot, request);
            mostVisited = Math.max(mostVisited, visits.count - before);
            if (decision.placed()) {
                NodeUsage chosen = snapshot.node(decision.nodeId());
                freeShareBefore += (double) chosen.freeMemoryMiB() / chosen.node().allocatableMemoryMiB();
                snapshot = snapshot.withPlacement(decision.nodeId(), request);
                used.add(decision.nodeId());
                placed++;
            }
        }
        long ready = initial.nodes().stream().filter(u -> u.node().schedulable()).count();
        double freeShare = initial.nodes().stream().filter(u -> u.node().schedulable())
                .mapToDouble(u -> (double) u.freeMemoryMiB() / u.node().allocatableMemoryMiB()).sum() / Math.max(1, ready);
        System.err.printf(Locale.ROOT, "fixture: %d nodes, %d instances already placed, mean free memory share of ready nodes %.2f;"
                        + " one pass placed %d of %d requests on %d distinct nodes (policy %s; mean free memory share of the"
                        + " chosen node %.2f); a decision visited %.1f nodes on average, %d at most%n",
                nodes, fixture.instanceCount(), freeShare, placed, requests.length, used.size(), policy,
                placed == 0 ? 0 : freeShareBefore / placed, (double) visits.count / requests.length, mostVisited);

        PlacementRequest[] stream = fixture.requests(4096);
        placeAndCommit(plain, initial, stream, 200); // warm-up
        long cpuBefore = THREADS.getCurrentThreadCpuTime();
        int decisions = placeAndCommit(plain, initial, stream, 400);
        double cpuMicros = (THREADS.getCurrentThreadCpuTime() - cpuBefore) / 1e3 / decisions;
        return String.format(Locale.ROOT, "nodes_used=%d visited_mean=%.1f visited_max=%d cpu_us_per_op=%.2f", used.size(),
                (double) visits.count / requests.length, mostVisited, cpuMicros);
    }

    /** What {@link SchedulerBenchmark#placeAndCommit} does, for {@code passes} passes of {@link SchedulerBenchmark#PASS}. */
    private static int placeAndCommit(Scheduler scheduler, ClusterSnapshot initial, PlacementRequest[] requests, int passes) {
        int next = 0;
        for (int pass = 0; pass < passes; pass++) {
            ClusterSnapshot snapshot = initial;
            for (int i = 0; i < SchedulerBenchmark.PASS; i++) {
                PlacementRequest request = requests[next++ & (requests.length - 1)];
                Scheduler.Decision decision = scheduler.place(snapshot, request);
                if (decision.placed()) {
                    snapshot = snapshot.withPlacement(decision.nodeId(), request);
                }
            }
        }
        return next;
    }

    /** Accepts every node and counts them: placed first among the checks, it sees every node a decision visits. */
    private static final class VisitCounter implements FeasibilityCheck {
        private int count;

        @Override
        public Optional<String> reject(NodeUsage node, PlacementRequest request) {
            count++;
            return Optional.empty();
        }
    }
}
