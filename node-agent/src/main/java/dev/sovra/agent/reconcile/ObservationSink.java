package dev.sovra.agent.reconcile;

import dev.sovra.model.InstanceObservation;
import java.util.List;

/** Where the reconciler reports what it sees; the controller link in production. */
@FunctionalInterface
public interface ObservationSink {
    /**
     * @param full true when observations are everything this node runs
     */
    void report(List<InstanceObservation> observations, boolean full);
}
