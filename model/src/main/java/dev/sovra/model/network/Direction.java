package dev.sovra.model.network;

/** Which traffic a security group rule allows, seen from the NIC. */
public enum Direction {
    /** Into the NIC (the guest receives); the rule's remote is the source. */
    INGRESS,
    /** Out of the NIC (the guest sends); the rule's remote is the destination. */
    EGRESS
}
