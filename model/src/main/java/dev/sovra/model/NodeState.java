package dev.sovra.model;

/** Liveness of a node as the controller sees it. */
public enum NodeState {
    /** Connected and heartbeating; eligible for placement. */
    READY,
    /** Not connected or heartbeats missed; its instances keep their placement until it returns. */
    DOWN
}
