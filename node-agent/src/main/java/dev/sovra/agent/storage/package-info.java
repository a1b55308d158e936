/**
 * Volumes and images on this node's storage backends: {@link dev.sovra.agent.storage.VolumeDriver} with a
 * local-file implementation ({@code local}, package {@code local}) and a Ceph RBD one
 * (backend {@code ceph}, package {@code rbd}).
 */
package dev.sovra.agent.storage;
