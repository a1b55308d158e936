package dev.sovra.bench;

import dev.sovra.controller.scheduler.ClusterSnapshot;
import dev.sovra.controller.scheduler.NodeUsage;
import dev.sovra.controller.scheduler.PlacementPolicy;
import dev.sovra.controller.scheduler.PlacementRequest;
import dev.sovra.controller.scheduler.Scheduler;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
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
        sanityPass(nodes, kind, policy, fill);
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
                "nodes=%d scheduler=%s policy=%s fill=%s placements_per_s=%.0f p50_ms=%.4f p99_ms=%.4f p999_ms=%.4f samples=%d%s",
                nodes, kind, policy, Double.isNaN(fill) ? "0-0.75" : String.valueOf(fill), 1e6 / stats.getMean(),
                stats.getPercentile(50) / 1000, stats.getPercentile(99) / 1000, stats.getPercentile(99.9) / 1000, stats.getN(),
                allocated));
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

    /** Also shows what the policy does: how many nodes one pass's placements land on, and how empty those were. */
    private static void sanityPass(int nodes, String kind, String policy, double fill) {
        ClusterFixture fixture = ClusterFixture.create(nodes, 42, fill);
        ClusterSnapshot snapshot = fixture.snapshot();
        Scheduler scheduler = scheduler(kind, policy);
        int placed = 0;
        Set<String> used = new HashSet<>();
        double freeShareBefore = 0;
        PlacementRequest[] requests = fixture.requests(SchedulerBenchmark.PASS);
        for (PlacementRequest request : requests) {
            Scheduler.Decision decision = scheduler.place(snapshot, request);
            if (decision.placed()) {
                NodeUsage chosen = snapshot.node(decision.nodeId());
                freeShareBefore += (double) chosen.freeMemoryMiB() / chosen.node().allocatableMemoryMiB();
                snapshot = snapshot.withPlacement(decision.nodeId(), request);
                used.add(decision.nodeId());
                placed++;
            }
        }
        long ready = fixture.snapshot().nodes().stream().filter(u -> u.node().schedulable()).count();
        double freeShare = fixture.snapshot().nodes().stream().filter(u -> u.node().schedulable())
                .mapToDouble(u -> (double) u.freeMemoryMiB() / u.node().allocatableMemoryMiB()).sum() / Math.max(1, ready);
        System.err.printf(Locale.ROOT, "fixture: %d nodes, %d instances already placed, mean free memory share of ready nodes %.2f;"
                        + " one pass placed %d of %d requests on %d distinct nodes (policy %s; mean free memory share of the"
                        + " chosen node %.2f)%n",
                nodes, fixture.instanceCount(), freeShare, placed, requests.length, used.size(), policy,
                placed == 0 ? 0 : freeShareBefore / placed);
    }
}
