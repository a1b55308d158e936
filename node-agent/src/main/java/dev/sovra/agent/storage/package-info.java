/**
 * Volumes and images on this node's storage backends: {@link dev.sovra.agent.storage.VolumeDriver} with a
 * local-file implementation ({@code local}) and a Ceph RBD one ({@code rbd}).
 */
package dev.sovra.agent.storage;
