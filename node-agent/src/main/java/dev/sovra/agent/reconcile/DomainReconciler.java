package dev.sovra.agent.reconcile;

import dev.sovra.agent.hypervisor.DomainStatus;
import dev.sovra.agent.hypervisor.HypervisorDriver;
import dev.sovra.agent.storage.StorageBackends;
import dev.sovra.model.NodeDesired;
import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.PowerState;
import dev.sovra.model.network.SegmentObservation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges the hypervisor to the desired set of instances, level-triggered: every pass compares
 * what should run with what libvirt reports and acts on the difference, so a missed message, a
 * dead guest or an agent restart is repaired by the next pass. Domains Sovra owns that are not
 * desired are removed, but only once a desired set is known (from the controller or from disk),
 * so a fresh agent never deletes anything on a guess.
 */
public final class DomainReconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DomainReconciler.class);

    private final HypervisorDriver driver;
    private final DesiredStateFile desiredFile;
    private final ObservationSink sink;
    private final Duration resyncPeriod;
    private final Duration shutdownGrace;
    private final Clock clock;
    private final Semaphore wakeup = new Semaphore(0);
    private final Thread thread;
    /** Definitions applied in this process, so unchanged specs are not re-defined every pass. */
    private final Map<String, InstanceSpec> defined = new HashMap<>();
    /** Instances whose last convergence failed, with the error, reported as FAILED. */
    private final Map<String, String> failures = new HashMap<>();
    private final Map<String, InstanceObservation> lastReported = new HashMap<>();
    /** Guests asked to power off (ACPI) and when they are forced off if they have not obeyed. */
    private final Map<String, Instant> stopDeadlines = new HashMap<>();
    /** Instances not defined yet because a disk does not exist yet, with the reason. */
    private final Map<String, String> waitingForDisks = new HashMap<>();
    private final StorageReconciler storage;
    private volatile NodeDesired desiredState;
    private volatile Map<String, InstanceSpec> desired;
    private volatile boolean resendStorage;
    private volatile boolean running = true;

    private volatile TenantNetwork network;
    /** Whether the current pass started a domain (reconciler thread only): its tap is new to the network step. */
    private boolean domainStartedThisPass;
    /** The segments last reported to the controller (reconciler thread only); null: report them in the next pass. */
    private List<SegmentObservation> reportedSegments;

    public DomainReconciler(HypervisorDriver driver, StorageBackends backends, DesiredStateFile desiredFile, ObservationSink sink,
                            Duration resyncPeriod, Duration shutdownGrace, Clock clock) {
        this.driver = driver;
        this.storage = new StorageReconciler(backends, driver::growAttachedDisk, sink, clock);
        this.desiredFile = desiredFile;
        this.sink = sink;
        this.resyncPeriod = resyncPeriod;
        this.shutdownGrace = shutdownGrace;
        this.clock = clock;
        this.desiredState = desiredFile.load().orElse(null);
        this.desired = desiredState == null ? null : byUid(desiredState.instances());
        this.thread = new Thread(this::loop, "domain-reconciler");
        this.thread.setDaemon(true);
    }

    public void start() {
        log.info("reconciler starting desiredKnown={} desiredInstances={}", desired != null, desired == null ? 0 : desired.size());
        thread.start();
    }

    /** Replaces the desired state (durably, before returning) and schedules a pass. */
    public void setDesired(NodeDesired next) {
        desiredFile.store(next);
        desiredState = next;
        desired = byUid(next.instances());
        trigger();
    }

    /** Reports every volume and image observation again in the next pass (after a reconnect). */
    public void resendStorage() {
        resendStorage = true;
        trigger();
    }

    public void trigger() {
        if (wakeup.availablePermits() == 0) {
            wakeup.release();
        }
    }

    /** Everything Sovra runs on this node right now, for a full report (Hello after a (re)connect). */
    public List<InstanceObservation> observeAll() {
        Map<String, InstanceSpec> want = desired;
        List<InstanceObservation> result = new ArrayList<>();
        for (DomainStatus status : driver.listOwned().values()) {
            InstanceSpec spec = want == null ? null : want.get(status.uid());
            result.add(observation(status, spec));
        }
        return result;
    }

    private void loop() {
        while (running) {
            try {
                long waitMillis = stopDeadlines.isEmpty() ? resyncPeriod.toMillis() : Math.min(resyncPeriod.toMillis(), 250);
                wakeup.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
                wakeup.drainPermits();
                if (running) {
                    pass();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("reconcile pass failed; retrying next period", e);
            }
        }
    }

    /** One convergence pass. */
    /** Enables the tenant data plane step (before start); without it the node ignores network specs. */
    public void useNetwork(TenantNetwork tenantNetwork) {
        this.network = tenantNetwork;
    }

    void pass() {
        NodeDesired wantState = desiredState;
        Map<String, InstanceSpec> want = desired;
        if (want == null || wantState == null) {
            return;
        }
        domainStartedThisPass = false;
        storage.ensurePresent(wantState);
        Map<String, DomainStatus> owned = driver.listOwned();
        waitingForDisks.keySet().retainAll(want.keySet());
        for (InstanceSpec spec : want.values()) {
            try {
                DomainStatus status = owned.get(spec.uid());
                // Only a domain not defined yet waits for its disks; checking a running one every pass would
                // cost a backend lookup per disk (an RBD open) for nothing.
                boolean undefined = status == null || status.state() == DomainState.ABSENT;
                String missing = undefined ? storage.disksMissing(spec) : null;
                if (missing != null) {
                    if (!missing.equals(waitingForDisks.put(spec.uid(), missing))) {
                        log.info("instance waits for its disks uid={} ref={} reason=\"{}\"", spec.uid(), spec.ref(), missing);
                    }
                    continue;
                }
                waitingForDisks.remove(spec.uid());
                converge(spec, status);
                failures.remove(spec.uid());
            } catch (RuntimeException e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (!reason.equals(failures.put(spec.uid(), reason))) {
                    log.warn("instance convergence failed uid={} ref={} error=\"{}\"", spec.uid(), spec.ref(), reason, e);
                }
            }
        }
        for (DomainStatus status : owned.values()) {
            if (!want.containsKey(status.uid())) {
                try {
                    log.info("removing undesired domain uid={} ref={}", status.uid(), status.ref());
                    driver.undefine(status.uid());
                    defined.remove(status.uid());
                    stopDeadlines.remove(status.uid());
                } catch (RuntimeException e) {
                    log.warn("removing undesired domain failed uid={} error=\"{}\"", status.uid(), e.getMessage(), e);
                }
            }
        }
        if (network != null) {
            network.apply(wantState.network(), domainStartedThisPass); // after the domains: taps exist once QEMU runs
        }
        storage.removeAbsent(wantState);
        report(want);
        boolean resend = resendStorage; // after a reconnect: everything again
        if (resend) {
            reportedSegments = null;
        }
        List<SegmentObservation> segments = network == null ? null : network.programmed();
        if (segments != null && !segments.equals(reportedSegments)) {
            reportedSegments = segments;
            sink.reportNetwork(segments);
        }
        if (resend) {
            resendStorage = false;
            storage.reportAll();
        } else {
            storage.reportChanges();
        }
    }

    private void converge(InstanceSpec spec, DomainStatus status) {
        DomainState state = status == null ? DomainState.ABSENT : status.state();
        if (state == DomainState.ABSENT || !definition(spec).equals(definition(defined.get(spec.uid())))) {
            log.info("defining domain uid={} ref={} vcpus={} memoryMiB={}", spec.uid(), spec.ref(), spec.vcpus(), spec.memoryMiB());
            driver.define(spec);
            defined.put(spec.uid(), spec);
        }
        if (spec.power() == PowerState.ON) {
            if (state != DomainState.RUNNING) {
                log.info("starting domain uid={} ref={} from={}", spec.uid(), spec.ref(), state);
                driver.start(spec.uid());
                domainStartedThisPass = true;
                if (status != null && status.restartGeneration() < spec.restartGeneration()) {
                    driver.reboot(spec.uid(), spec.restartGeneration()); // a fresh boot; record the restart as done
                }
            } else if (status.restartGeneration() < spec.restartGeneration()) {
                log.info("restarting domain uid={} ref={} generation={}", spec.uid(), spec.ref(), spec.restartGeneration());
                driver.reboot(spec.uid(), spec.restartGeneration());
                domainStartedThisPass = true;
            }
        } else if (state == DomainState.RUNNING || state == DomainState.PAUSED) {
            stop(spec);
            return;
        }
        stopDeadlines.remove(spec.uid());
    }

    /**
     * Asks the guest to power off and comes back in later passes; a guest that has not obeyed when its
     * grace period ends is forced off. Never blocks the pass, so one slow guest delays no other instance.
     */
    private void stop(InstanceSpec spec) {
        Instant deadline = stopDeadlines.get(spec.uid());
        Instant now = clock.instant();
        if (deadline == null) {
            log.info("stopping domain uid={} ref={} grace={}", spec.uid(), spec.ref(), shutdownGrace);
            if (driver.requestShutdown(spec.uid())) {
                stopDeadlines.put(spec.uid(), now.plus(shutdownGrace));
            }
        } else if (!now.isBefore(deadline)) {
            log.info("forcing domain off uid={} ref={} reason=\"grace period over\"", spec.uid(), spec.ref());
            driver.forceStop(spec.uid());
            stopDeadlines.remove(spec.uid());
        }
    }

    /** The part of a spec that is the domain definition; power and restarts are actions, not definition. */
    private static InstanceSpec definition(InstanceSpec spec) {
        return spec == null ? null : spec.withPower(PowerState.ON).withRestartGeneration(0);
    }

    private void report(Map<String, InstanceSpec> want) {
        Map<String, DomainStatus> owned = driver.listOwned();
        List<InstanceObservation> changed = new ArrayList<>();
        Map<String, InstanceObservation> now = new LinkedHashMap<>();
        for (InstanceSpec spec : want.values()) {
            DomainStatus status = owned.getOrDefault(spec.uid(), new DomainStatus(spec.uid(), spec.ref(), DomainState.ABSENT, 0));
            InstanceObservation observation = observation(status, spec);
            now.put(spec.uid(), observation);
            InstanceObservation previous = lastReported.get(spec.uid());
            if (previous == null || previous.state() != observation.state()
                    || previous.restartGeneration() != observation.restartGeneration()
                    || !Objects.equals(previous.message(), observation.message())) {
                changed.add(observation);
            }
        }
        for (InstanceObservation previous : lastReported.values()) {
            if (now.containsKey(previous.uid())) {
                continue;
            }
            if (owned.containsKey(previous.uid())) {
                now.put(previous.uid(), previous); // undesired but not removed yet: keep watching it
            } else {
                changed.add(new InstanceObservation(previous.uid(), previous.ref(), DomainState.ABSENT,
                        previous.restartGeneration(), "", clock.instant())); // removed: tell the controller once
            }
        }
        lastReported.clear();
        lastReported.putAll(now);
        if (!changed.isEmpty()) {
            sink.report(changed, false);
        }
    }

    private InstanceObservation observation(DomainStatus status, InstanceSpec spec) {
        String failure = failures.get(status.uid());
        if (failure != null) {
            return new InstanceObservation(status.uid(), status.ref(), DomainState.FAILED, status.restartGeneration(), failure,
                    clock.instant());
        }
        String waiting = waitingForDisks.get(status.uid());
        if (waiting != null && status.state() == DomainState.ABSENT) {
            return new InstanceObservation(status.uid(), status.ref(), DomainState.ABSENT, status.restartGeneration(), waiting,
                    clock.instant());
        }
        long generation = status.restartGeneration();
        if (spec != null && spec.power() == PowerState.OFF && status.state() != DomainState.RUNNING) {
            generation = Math.max(generation, spec.restartGeneration()); // a stopped instance has nothing left to restart
        }
        return new InstanceObservation(status.uid(), status.ref(), status.state(), generation, "", clock.instant());
    }

    @Override
    public void close() {
        running = false;
        storage.close();
        trigger();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, InstanceSpec> byUid(List<InstanceSpec> specs) {
        Map<String, InstanceSpec> result = new LinkedHashMap<>();
        specs.forEach(spec -> result.put(spec.uid(), spec));
        return Map.copyOf(result);
    }
}
