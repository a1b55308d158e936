package dev.sovra.controller.reconcile;

import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.DomainState;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceState;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what agents observe into the status the API reports. An instance is {@code active} only
 * when its domain really is in the desired power state; a deleting instance disappears from the
 * store only once its node reports the domain gone.
 */
public final class InstanceStatusUpdater {
    private static final Logger log = LoggerFactory.getLogger(InstanceStatusUpdater.class);

    private final Repository<Instance> instances;
    private final ReconcileTrigger reconciler;
    private final Clock clock;

    public InstanceStatusUpdater(Repository<Instance> instances, ReconcileTrigger reconciler, Clock clock) {
        this.instances = instances;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    /**
     * @param full the observations are everything the node runs: placed instances missing from them are absent
     */
    public void apply(String nodeId, List<InstanceObservation> observations, boolean full) {
        Set<String> seen = new HashSet<>();
        for (InstanceObservation observation : observations) {
            seen.add(observation.uid());
            apply(nodeId, observation);
        }
        if (full) {
            for (Versioned<Instance> placed : instances.list()) {
                Instance instance = placed.value();
                if (nodeId.equals(instance.nodeId()) && !seen.contains(instance.uid())) {
                    apply(nodeId, new InstanceObservation(instance.uid(), instance.path(), DomainState.ABSENT, 0, "", clock.instant()));
                }
            }
        }
    }

    private void apply(String nodeId, InstanceObservation observation) {
        Optional<Versioned<Instance>> current = instances.get(observation.ref());
        if (current.isEmpty() || !current.get().value().uid().equals(observation.uid())
                || !nodeId.equals(current.get().value().nodeId())) {
            return; // a domain the node no longer should run; the agent removes it on its own
        }
        Instance instance = current.get().value();
        if (instance.metadata().deleting()) {
            if (observation.state() == DomainState.ABSENT && instances.compareAndDelete(instance.path(), current.get().revision())) {
                log.info("instance deleted ref={} uid={} node={}", instance.path(), instance.uid(), nodeId);
            } else if (observation.state() == DomainState.ABSENT) {
                apply(nodeId, observation); // raced with another write: re-read and retry
            }
            return;
        }
        Instant now = clock.instant();
        InstanceStatus next = next(instance, observation, now);
        if (next.equals(instance.status())) {
            return;
        }
        if (instances.compareAndPut(instance.path(), instance.withStatus(next), current.get().revision()).isEmpty()) {
            apply(nodeId, observation);
            return;
        }
        if (next.state() != instance.status().state()) {
            log.info("instance state ref={} uid={} node={} from={} to={} domain={}", instance.path(), instance.uid(), nodeId,
                    instance.status().state(), next.state(), observation.state());
        }
        reconciler.trigger();
    }

    private static InstanceStatus next(Instance instance, InstanceObservation observation, Instant now) {
        InstanceStatus status = instance.status();
        PowerState desired = instance.runtime().power();
        boolean restartPending = observation.restartGeneration() < instance.runtime().restartGeneration();
        switch (observation.state()) {
            case RUNNING -> status = status.withPower(PowerState.ON, now);
            case STOPPED, ABSENT, CRASHED, FAILED -> status = status.withPower(PowerState.OFF, now);
            case PAUSED -> { }
        }
        return switch (observation.state()) {
            case FAILED -> status.transition(ResourceState.ERROR, now, "HypervisorError", observation.message());
            case CRASHED -> status.transition(ResourceState.ERROR, now, "GuestCrashed", observation.message());
            case ABSENT -> status.transition(ResourceState.CREATING, now, "Provisioning", "node is creating the domain");
            case RUNNING, STOPPED, PAUSED -> {
                boolean converged = (desired == PowerState.ON) == (observation.state() == DomainState.RUNNING) && !restartPending;
                if (converged) {
                    yield status.transition(ResourceState.ACTIVE, now, desired == PowerState.ON ? "Running" : "Stopped", null);
                }
                ResourceState busy = status.state() == ResourceState.ACTIVE || status.state() == ResourceState.UPDATING
                        ? ResourceState.UPDATING : ResourceState.CREATING;
                yield status.transition(busy, now, desired == PowerState.ON ? "Starting" : "Stopping", null);
            }
        };
    }
}
