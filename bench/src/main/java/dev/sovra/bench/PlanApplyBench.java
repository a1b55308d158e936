package dev.sovra.bench;

import dev.sovra.controller.scheduler.NodeUsage;
import dev.sovra.controller.scheduler.Placement;
import dev.sovra.controller.scheduler.PlacementPolicy;
import dev.sovra.controller.scheduler.PlacementRequest;
import dev.sovra.controller.scheduler.PlacementWorker;
import dev.sovra.controller.scheduler.PlanApplier;
import dev.sovra.controller.scheduler.Scheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench scheduler --mode plan-apply --nodes N --workers W [--plan-size P] [--policy spread|binpack] [--fill F]}:
 * W threads, each a real
 * {@link PlacementWorker}, place the fixture's pending instances through one {@link PlanApplier}, as the
 * reconciler's workers do (minus the durable store write, which is the store's cost, not the scheduler's). Each
 * worker keeps its last {@code 2 x nodes / W} placements and releases the oldest as it goes, so the cluster
 * stays at the fixture's fill level instead of filling up; releases go through the same applier lock.
 *
 * <p>Reported: committed placements per second over all workers, and the per-placement latency from the start of
 * the plan that holds it to its commit (decisions of the whole plan, the applier, and any retries).
 */
final class PlanApplyBench {
    private PlanApplyBench() {}

    static void run(Args args) throws InterruptedException {
        int nodes = args.intOption("--nodes", 1000);
        int workers = args.intOption("--workers", 2);
        int planSize = args.intOption("--plan-size", 16);
        int warmupSeconds = args.intOption("--warmup-seconds", 3);
        int seconds = args.intOption("--seconds", 5);
        String policy = args.option("--policy") == null ? "spread" : args.option("--policy");
        PlacementPolicy placementPolicy = PlacementPolicy.parse(policy);
        double fill = SchedulerBench.fill(args);
        ClusterFixture fixture = ClusterFixture.create(nodes, 42, fill);
        PlanApplier applier = new PlanApplier(fixture.snapshot(), Scheduler.standard(placementPolicy).checks());
        PlacementRequest[] requests = fixture.requests(1 << 16);
        int keep = Math.max(64, 2 * nodes) / workers;
        System.err.printf(Locale.ROOT, "fixture: %d nodes, %d instances already placed; %d workers, plans of %d, each keeps its last %d"
                + " placements; load average %s%n", nodes, fixture.instanceCount(), workers, planSize, keep, ThreadCpu.loadAverage());

        Window window = new Window();
        CountDownLatch done = new CountDownLatch(workers);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int slice = requests.length / workers;
            int first = w * slice;
            threads.add(new Thread(() -> {
                PlacementWorker worker = new PlacementWorker(Scheduler.standard(placementPolicy), applier, placement -> true, 8);
                ArrayDeque<Placement> held = new ArrayDeque<>();
                int next = 0;
                while (!window.over()) {
                    List<PlacementRequest> plan = new ArrayList<>(planSize);
                    for (int i = 0; i < planSize; i++) {
                        plan.add(requests[first + (next++ % slice)]);
                    }
                    long start = System.nanoTime();
                    List<PlacementWorker.Outcome> outcomes = worker.place(plan);
                    long committed = System.nanoTime();
                    Window.Counters counters = window.counters();
                    for (PlacementWorker.Outcome outcome : outcomes) {
                        if (outcome instanceof PlacementWorker.Placed placed) {
                            held.addLast(placed.placement());
                            if (counters != null) {
                                counters.latency.record(committed - start);
                                counters.placed.incrementAndGet();
                                counters.retried.addAndGet(placed.attempts() - 1);
                            }
                        } else if (counters != null) {
                            (outcome instanceof PlacementWorker.Refused ? counters.refused : counters.deferred).incrementAndGet();
                        }
                    }
                    if (held.size() > keep) {
                        List<Placement> leaving = new ArrayList<>();
                        while (held.size() > keep) {
                            leaving.add(held.pollFirst());
                        }
                        applier.release(leaving);
                    }
                }
                done.countDown();
            }, "placement-worker-" + w));
        }
        threads.forEach(Thread::start);
        Thread.sleep(warmupSeconds * 1000L);
        long cpuBefore = ThreadCpu.processCpuNanos();
        String loadBefore = ThreadCpu.loadAverage();
        Window.Counters counters = window.open();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        window.close();
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cores = (ThreadCpu.processCpuNanos() - cpuBefore) / 1e9 / elapsed;
        done.await();

        long overcommitted = applier.snapshot().nodes().stream().filter(PlanApplyBench::overcommitted).count();
        System.err.printf(Locale.ROOT, "placed %d in %.2f s: %d retries after a rejected plan, %d refused (no node fits), %d deferred;"
                        + " JVM cores %.2f; load average before %s, after %s; nodes over capacity at the end: %d%n",
                counters.placed.get(), elapsed, counters.retried.get(), counters.refused.get(), counters.deferred.get(), cores,
                loadBefore, ThreadCpu.loadAverage(), overcommitted);
        if (overcommitted > 0) {
            throw new IllegalStateException(overcommitted + " nodes over capacity: the applier let an overcommit through");
        }
        LatencyHistogram latency = counters.latency;
        System.out.println(String.format(Locale.ROOT,
                "nodes=%d mode=plan-apply workers=%d plan_size=%d policy=%s fill=%s placements_per_s=%.0f p50_ms=%.4f p99_ms=%.4f"
                        + " p999_ms=%.4f retries_per_1k=%.1f refused=%d cores=%.2f",
                nodes, workers, planSize, policy, Double.isNaN(fill) ? "0-0.75" : String.valueOf(fill), counters.placed.get() / elapsed, latency.percentile(50) / 1e6, latency.percentile(99) / 1e6,
                latency.percentile(99.9) / 1e6, 1000.0 * counters.retried.get() / Math.max(1, counters.placed.get()),
                counters.refused.get(), cores));
    }

    private static boolean overcommitted(NodeUsage usage) {
        return usage.freeVcpus() < 0 || usage.freeMemoryMiB() < 0;
    }

    /** Counts only what happens between {@link #open()} and {@link #close()}; workers stop once it closed. */
    private static final class Window {
        private volatile Counters counters;
        private volatile boolean over;

        Counters open() {
            counters = new Counters();
            return counters;
        }

        void close() {
            over = true;
            counters = null;
        }

        Counters counters() {
            return counters;
        }

        boolean over() {
            return over;
        }

        static final class Counters {
            final LatencyHistogram latency = new LatencyHistogram();
            final AtomicLong placed = new AtomicLong();
            final AtomicLong retried = new AtomicLong();
            final AtomicLong refused = new AtomicLong();
            final AtomicLong deferred = new AtomicLong();
        }
    }
}
