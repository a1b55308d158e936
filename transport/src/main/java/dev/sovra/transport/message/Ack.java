package dev.sovra.transport.message;

/** Agent's answer to {@link DesiredState}: that generation is stored and will be converged to. */
public record Ack(long generation) implements Message {}
