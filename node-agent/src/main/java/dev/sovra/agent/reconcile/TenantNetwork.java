package dev.sovra.agent.reconcile;

import dev.sovra.agent.network.NetworkPlane;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.SegmentObservation;
import dev.sovra.model.network.Underlay;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile step for the node's tenant data plane: applies the controller's network spec with
 * {@link NetworkPlane} after the domains are started (their taps exist only once QEMU runs). A spec made for
 * another underlay than this node's (the controller still had an old inventory) is not applied.
 */
public final class TenantNetwork {
    private static final Logger log = LoggerFactory.getLogger(TenantNetwork.class);
    /** How often an unchanged spec is applied again anyway, to repair changes made behind the agent's back. */
    static final Duration REPAIR_PERIOD = Duration.ofSeconds(30);

    private final NetworkPlane plane;
    private final Underlay underlay;
    private final NetworkApplyGate gate = new NetworkApplyGate(Clock.systemUTC(), REPAIR_PERIOD);
    private String lastFailure;
    /** The segments of the spec last applied without error; null until one was. */
    private volatile List<SegmentObservation> programmed;

    public TenantNetwork(NetworkPlane plane, Underlay underlay) {
        this.plane = Objects.requireNonNull(plane, "plane");
        this.underlay = Objects.requireNonNull(underlay, "underlay");
    }

    public Underlay underlay() {
        return underlay;
    }

    /**
     * Converges to {@code spec} when {@link NetworkApplyGate} says it is due; null (the controller sent no network
     * part) changes nothing. {@code domainStarted}: this pass started a domain, whose tap is new.
     */
    void apply(NodeNetworkSpec spec, boolean domainStarted) {
        if (spec == null || !gate.due(spec, domainStarted)) {
            return;
        }
        if (!spec.underlay().equals(underlay)) {
            fail("network spec is for underlay " + spec.underlay() + ", this node has " + underlay, null);
            return;
        }
        try {
            plane.apply(spec);
            gate.applied(spec);
            programmed = spec.segments().stream().map(SegmentObservation::of).toList();
            if (lastFailure != null) {
                log.info("network apply recovered nics={} segments={}", spec.nics().size(), spec.segments().size());
                lastFailure = null;
            }
        } catch (RuntimeException e) {
            fail(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        }
    }

    /** The segments the data plane carries: those of the spec last applied without error (null before any). */
    List<SegmentObservation> programmed() {
        return programmed;
    }

    /** Logs a failure once until it changes; the next pass retries. */
    private void fail(String reason, Throwable cause) {
        if (!reason.equals(lastFailure)) {
            log.warn("network apply failed error=\"{}\"", reason, cause);
            lastFailure = reason;
        }
    }
}
