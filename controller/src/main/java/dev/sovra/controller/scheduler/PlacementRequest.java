package dev.sovra.controller.scheduler;

/** What an instance needs from a node. */
public record PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone) {}
