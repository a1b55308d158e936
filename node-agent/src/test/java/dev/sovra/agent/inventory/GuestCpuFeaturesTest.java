package dev.sovra.agent.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GuestCpuFeaturesTest {

    /** {@code virsh hypervisor-cpu-baseline --features --virttype qemu} of an AMD EPYC host's domain capabilities. */
    private static String baseline() throws IOException {
        try (InputStream in = GuestCpuFeaturesTest.class.getResourceAsStream("/libvirt/hypervisor-cpu-baseline-epyc-tcg.xml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void requiredFeaturesOfTheExpandedHostModelAreReportedSortedAndDisabledOnesAreNot() throws Exception {
        List<String> features = GuestCpuFeatures.requiredFeatures(baseline());
        assertTrue(features.containsAll(List.of("avx2", "aes", "sse2", "fpu", "vaes")), features.toString());
        assertFalse(features.contains("3dnowprefetch"), "policy='disable' in the baseline");
        assertFalse(features.contains("sha-ni"), "policy='disable' in the baseline");
        assertEquals(features.stream().sorted().toList(), features);
    }

    @Test
    void garbageFromLibvirtIsAnErrorNotAnEmptyList() {
        assertThrows(IllegalStateException.class, () -> GuestCpuFeatures.requiredFeatures("<cpu><model>EPYC"));
    }

    @Test
    void withoutLibvirtAKvmNodeFallsBackToHostFlagsAndOtherNodesReportUnknown() {
        String nowhere = "qemu+unix:///system?socket=/nonexistent/sovra-sched.sock";
        assertEquals(List.of("aes", "avx2"), GuestCpuFeatures.read(nowhere, "kvm", Set.of("avx2", "aes")));
        assertEquals(null, GuestCpuFeatures.read(nowhere, "qemu", Set.of("avx2", "aes")));
    }
}
