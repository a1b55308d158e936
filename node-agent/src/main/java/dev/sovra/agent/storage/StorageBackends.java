package dev.sovra.agent.storage;

import dev.sovra.model.DiskSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The storage backends this node has, by name; {@code local} always, {@code ceph} when configured. */
public final class StorageBackends implements AutoCloseable {
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

    @Override
    public void close() {
        drivers.values().forEach(VolumeDriver::close);
    }
}
