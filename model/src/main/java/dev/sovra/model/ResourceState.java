package dev.sovra.model;

/** SECA v1.7 resource lifecycle states ({@code status.state}). */
public enum ResourceState {
    PENDING,
    CREATING,
    ACTIVE,
    UPDATING,
    DELETING,
    ERROR
}
