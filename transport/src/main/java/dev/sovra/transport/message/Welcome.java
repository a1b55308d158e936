package dev.sovra.transport.message;

/** Controller's answer to {@link Hello}: the interval at which the controller sends heartbeats. */
public record Welcome(long heartbeatIntervalMillis) implements Message {}
