package dev.sovra.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Kills the victim agent, from a thread of its own, once a trigger fires (half of the instances PUT); remembers when. */
final class AgentKill {
    /** When the signal was sent: monotonic (for latencies) and wall clock (to compare with the controller's log). */
    record Moment(long nanos, Instant wall) {}

    private final String signal;
    private final CompletableFuture<Moment> killed = new CompletableFuture<>();

    private AgentKill(String signal) {
        this.signal = signal;
    }

    static AgentKill when(CountDownLatch trigger, VictimAgent victim, String signal) {
        AgentKill kill = new AgentKill(signal);
        Thread thread = new Thread(() -> {
            try {
                trigger.await();
                Moment moment = new Moment(System.nanoTime(), Instant.now());
                victim.kill(signal);
                kill.killed.complete(moment);
            } catch (Exception e) {
                kill.killed.completeExceptionally(e);
            }
        }, "e2e-agent-kill");
        thread.setDaemon(true);
        thread.start();
        return kill;
    }

    String signal() {
        return signal;
    }

    Moment await(Duration timeout) throws Exception {
        return killed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
