package dev.sovra.bench;

import dev.sovra.controller.scheduler.ClusterSnapshot;
import dev.sovra.controller.scheduler.PlacementRequest;
import dev.sovra.controller.scheduler.Scheduler;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One operation is what the reconciler does per pending instance: a decision by
 * {@link Scheduler#standard()} (or {@link Scheduler#exhaustive()}) over the pass's snapshot, then committing it into the snapshot so the
 * next decision sees it. Every {@link #PASS} operations the snapshot goes back to the initial one,
 * as a new reconcile pass would, so the cluster never fills up during a measurement.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SchedulerBenchmark {
    static final int PASS = 256;

    @Param({"1000"})
    public int nodes;

    /** {@code standard} (best of k sampled candidates) or {@code exhaustive} (every node scored, the old behaviour). */
    @Param({"standard"})
    public String scheduler;

    /** {@code spread} or {@code binpack} ({@code sovra.scheduler.policy}). */
    @Param({"spread"})
    public String policy;

    /** Share every node of the fixture is filled to, or NaN for the default random 0-75 %. */
    @Param({"NaN"})
    public double fill;

    private Scheduler placer;
    private ClusterSnapshot initial;
    private ClusterSnapshot snapshot;
    private PlacementRequest[] requests;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        ClusterFixture fixture = ClusterFixture.create(nodes, 42, fill);
        placer = SchedulerBench.scheduler(scheduler, policy);
        initial = fixture.snapshot();
        snapshot = initial;
        requests = fixture.requests(4096);
    }

    @Benchmark
    public Scheduler.Decision placeAndCommit() {
        if (next % PASS == 0) {
            snapshot = initial;
        }
        PlacementRequest request = requests[next++ & (requests.length - 1)];
        Scheduler.Decision decision = placer.place(snapshot, request);
        if (decision.placed()) {
            snapshot = snapshot.withPlacement(decision.nodeId(), request);
        }
        return decision;
    }
}
