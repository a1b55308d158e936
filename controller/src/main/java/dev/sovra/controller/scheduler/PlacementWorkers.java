package dev.sovra.controller.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * N {@link PlacementWorker}s over one {@link PlanApplier}: the requests are cut into plans of at most
 * {@code planSize}, and each worker takes the next one until none is left. The calling thread is one of the
 * workers, so a single plan (the usual case: a few new instances) costs no thread hand-off.
 */
public final class PlacementWorkers implements AutoCloseable {
    /** Requests decided together on one snapshot; bigger plans mean fewer applier round trips but staler decisions. */
    public static final int DEFAULT_PLAN_SIZE = 16;
    /** Decisions per request before a lost race is left to the next reconcile pass. */
    public static final int DEFAULT_MAX_ATTEMPTS = 8;

    private final int workers;
    private final int planSize;
    private final int maxAttempts;
    private final ExecutorService helpers;

    public PlacementWorkers(int workers, int planSize, int maxAttempts) {
        if (workers < 1 || planSize < 1) {
            throw new IllegalArgumentException("workers and planSize must be at least 1, were " + workers + " and " + planSize);
        }
        this.workers = workers;
        this.planSize = planSize;
        this.maxAttempts = maxAttempts;
        AtomicInteger threads = new AtomicInteger();
        this.helpers = workers == 1 ? null : Executors.newFixedThreadPool(workers - 1, r -> {
            Thread thread = new Thread(r, "placement-worker-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public PlacementWorkers(int workers) {
        this(workers, DEFAULT_PLAN_SIZE, DEFAULT_MAX_ATTEMPTS);
    }

    public int workers() {
        return workers;
    }

    /**
     * Places every request through the applier and returns when all are decided.
     *
     * @param recordDurably called on a worker thread for each committed placement; see {@link PlacementWorker}
     * @return one outcome per request, in request order
     */
    public List<PlacementWorker.Outcome> place(Scheduler scheduler, PlanApplier applier, List<PlacementRequest> requests,
                                               Predicate<Placement> recordDurably) {
        PlacementWorker.Outcome[] outcomes = new PlacementWorker.Outcome[requests.size()];
        AtomicInteger next = new AtomicInteger();
        PlacementWorker worker = new PlacementWorker(scheduler, applier, recordDurably, maxAttempts);
        Runnable work = () -> {
            for (int from = next.getAndAdd(planSize); from < requests.size(); from = next.getAndAdd(planSize)) {
                int to = Math.min(requests.size(), from + planSize);
                List<PlacementWorker.Outcome> decided = worker.place(requests.subList(from, to));
                for (int i = from; i < to; i++) {
                    outcomes[i] = decided.get(i - from);
                }
            }
        };
        int plans = (requests.size() + planSize - 1) / planSize;
        List<Future<?>> running = new ArrayList<>();
        for (int i = 1; i < Math.min(workers, plans); i++) {
            running.add(helpers.submit(work));
        }
        RuntimeException failure = null;
        try {
            work.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        // Wait for the helpers even when this thread failed: nothing of this call runs on after it returns.
        for (Future<?> future : running) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while placement workers ran", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return List.of(outcomes);
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
