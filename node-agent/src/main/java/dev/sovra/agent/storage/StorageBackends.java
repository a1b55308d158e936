package dev.sovra.agent.storage;

import dev.sovra.model.DiskSpec;
import dev.sovra.model.StorageCapacity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The storage backends this node has, by name; {@code local} always, {@code ceph} when configured. */
public final class StorageBackends implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageBackends.class);
    private final Map<String, VolumeDriver> drivers = new LinkedHashMap<>();

    public StorageBackends(List<VolumeDriver> volumeDrivers) {
        for (VolumeDriver driver : volumeDrivers) {
            if (drivers.putIfAbsent(driver.backend(), driver) != null) {
                throw new IllegalArgumentException("two storage drivers for backend " + driver.backend());
            }
        }
    }

    /** Backend names, for the node's inventory. */
    public List<String> names() {
        return List.copyOf(drivers.keySet());
    }

    /** The driver of {@code backend}; a StorageException names the missing backend. */
    public VolumeDriver driver(String uid, String backend) {
        VolumeDriver driver = drivers.get(backend);
        if (driver == null) {
            throw new StorageException(uid, "this node has no '" + backend + "' storage backend (it has " + names() + ")");
        }
        return driver;
    }

    /** Where the volume of {@code disk} comes from. */
    public DiskSource diskSource(DiskSpec disk) {
        return driver(disk.volumeUid(), disk.backend()).diskSource(disk.volumeUid());
    }

    /** Space per backend now; a backend that cannot tell (e.g. Ceph unreachable) is left out. */
    public List<StorageCapacity> capacity() {
        List<StorageCapacity> capacity = new java.util.ArrayList<>();
        for (VolumeDriver driver : drivers.values()) {
            try {
                VolumeDriver.Capacity c = driver.capacity();
                capacity.add(new StorageCapacity(driver.backend(), c.totalMiB(), c.freeMiB()));
            } catch (RuntimeException e) {
                log.warn("storage capacity unknown backend={} reason=\"{}\"", driver.backend(), e.getMessage());
            }
        }
        return capacity;
    }

    @Override
    public void close() {
        drivers.values().forEach(VolumeDriver::close);
    }
}
