package dev.sovra.transport.message;

/** One-way liveness signal, either direction. Handled by the transport, never passed to handlers. */
public record Heartbeat(long sentAtMillis) implements Message {}
