package dev.sovra.agent.reconcile;

import dev.sovra.model.InstanceObservation;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.network.SegmentObservation;
import java.util.List;

/** Where the reconcilers report what they see; the controller link in production. */
public interface ObservationSink {
    /**
     * @param full true when observations are everything this node runs
     */
    void report(List<InstanceObservation> observations, boolean full);

    /** Changes of the volumes and images this node was asked to hold or remove. */
    void reportStorage(List<StorageObservation> volumes, List<StorageObservation> images);

    /** Every tenant network segment the node's data plane carries (after a change, and again after a reconnect). */
    void reportNetwork(List<SegmentObservation> segments);
}
