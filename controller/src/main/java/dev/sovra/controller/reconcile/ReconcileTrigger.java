package dev.sovra.controller.reconcile;

/** Asks the reconciler for a pass soon; cheap, non-blocking, coalesced. */
@FunctionalInterface
public interface ReconcileTrigger {
    void trigger();
}
