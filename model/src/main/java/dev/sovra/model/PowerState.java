package dev.sovra.model;

/** Desired or observed power state of an instance, as SECA names it ({@code on} / {@code off}). */
public enum PowerState {
    ON,
    OFF
}
