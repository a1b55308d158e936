package dev.sovra.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.DiskSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.NicSpec;
import dev.sovra.model.PowerState;
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
                new KernelBoot("/k", "/i", "console=ttyS0"), List.of(new DiskSpec("root", 64)),
                List.of(new NicSpec("eth0", "52:54:00:12:34:56", "br-int")), PowerState.OFF, 3);
        file.store(List.of(spec));
        assertEquals(List.of(spec), new DesiredStateFile(dir.resolve("state/desired.json")).load().orElseThrow());
        file.store(List.of());
        assertEquals(List.of(), file.load().orElseThrow(), "an empty set is known, not unknown");
        assertFalse(Files.exists(dir.resolve("state/desired.json.tmp")), "no temporary file left behind");
    }
}
