package dev.sovra.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.DiskSpec;
import dev.sovra.model.ImageSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.NicSpec;
import dev.sovra.model.NodeDesired;
import dev.sovra.model.PowerState;
import dev.sovra.model.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStateFileTest {
    @TempDir
    Path dir;

    @Test
    void unknownUntilStoredThenRoundTripsEveryField() {
        DesiredStateFile file = new DesiredStateFile(dir.resolve("state/desired.json"));
        assertTrue(file.load().isEmpty(), "a fresh node knows no desired state");
        InstanceSpec spec = new InstanceSpec("0b0d4c8e-3f7e-4c59-9d0a-4a1f5f8e2a11", "tenants/t/workspaces/w/instances/vm1", 2, 1024,
                new KernelBoot("/k", "/i", "console=ttyS0"), List.of(new DiskSpec("boot", "5c1f0a52-7d1e-4f7b-b0a4-3e2d1c0b9a88", "local")),
                List.of(new NicSpec("tn525400123456", "52:54:00:12:34:56")), PowerState.OFF, 3);
        NodeDesired desired = new NodeDesired(List.of(spec),
                List.of(new VolumeSpec("5c1f0a52-7d1e-4f7b-b0a4-3e2d1c0b9a88", "tenants/t/workspaces/w/block-storages/b", "local",
                        20_480, "9a6f4a0e-1b2c-4d3e-8f9a-0b1c2d3e4f5a", true),
                        new VolumeSpec("0e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b", "tenants/t/workspaces/w/block-storages/old", "ceph",
                                0, null, false)),
                List.of(new ImageSpec("9a6f4a0e-1b2c-4d3e-8f9a-0b1c2d3e4f5a", "tenants/t/images/img", "local",
                        "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", null, true)));
        file.store(desired);
        assertEquals(desired, new DesiredStateFile(dir.resolve("state/desired.json")).load().orElseThrow());
        file.store(NodeDesired.ofInstances(List.of()));
        assertEquals(NodeDesired.ofInstances(List.of()), file.load().orElseThrow(), "an empty set is known, not unknown");
        assertFalse(Files.exists(dir.resolve("state/desired.json.tmp")), "no temporary file left behind");
    }

    @Test
    void readsTheInstanceListOfAnAgentFromBeforeStorage() throws Exception {
        Path path = dir.resolve("old/desired.json");
        Files.createDirectories(path.getParent());
        Files.writeString(path, "[{\"uid\":\"0b0d4c8e-3f7e-4c59-9d0a-4a1f5f8e2a11\",\"ref\":\"tenants/t/workspaces/w/instances/vm1\","
                + "\"vcpus\":1,\"memoryMiB\":256,\"kernelBoot\":null,\"disks\":[],\"nics\":[],\"power\":\"ON\","
                + "\"restartGeneration\":0}]");
        NodeDesired loaded = new DesiredStateFile(path).load().orElseThrow();
        assertEquals(1, loaded.instances().size());
        assertEquals("tenants/t/workspaces/w/instances/vm1", loaded.instances().get(0).ref());
        assertTrue(loaded.volumes().isEmpty());
    }
}
