package dev.sovra.model;

/** What the hypervisor reports for an instance's domain, reduced to the states the control plane acts on. */
public enum DomainState {
    /** No domain exists for the instance on this node. */
    ABSENT,
    RUNNING,
    /** Defined but not running (shut off, or shut down by the guest). */
    STOPPED,
    PAUSED,
    CRASHED,
    /** The agent failed to converge the domain; the observation's message says why. */
    FAILED
}
