package dev.sovra.agent.inventory;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.hypervisor.TestGuest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What this host's libvirtd says a TCG guest can get: every x86-64 guest CPU has at least the baseline features. */
@Tag("system")
class GuestCpuFeaturesIT {

    @Test
    void libvirtReportsTheGuestFeaturesOfATcgGuest() {
        TestGuest.requireSystem();
        long started = System.nanoTime();
        List<String> features = GuestCpuFeatures.read(TestGuest.URI, "qemu", Set.of());
        System.out.printf("GuestCpuFeatures.read(qemu) -> %d features after %d ms%n", features == null ? 0 : features.size(),
                TestGuest.millisSince(started));
        assertNotNull(features, "libvirt gave no host-model CPU for TCG");
        assertTrue(features.containsAll(List.of("fpu", "sse", "sse2", "lm")), features.toString());
    }
}
