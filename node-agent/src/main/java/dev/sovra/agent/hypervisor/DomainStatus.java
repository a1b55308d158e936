package dev.sovra.agent.hypervisor;

import dev.sovra.model.DomainState;
import java.util.Objects;

/**
 * What the hypervisor reports for one instance's domain.
 *
 * @param uid the instance uid (also the domain UUID)
 * @param ref the SECA path recorded in the domain metadata; empty when the domain is absent
 * @param state the domain state reduced to what the control plane acts on
 * @param restartGeneration the restart generation last carried out on this domain (0 when absent)
 */
public record DomainStatus(String uid, String ref, DomainState state, long restartGeneration) {
    public DomainStatus {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(state, "state");
        ref = ref == null ? "" : ref;
    }

    public static DomainStatus absent(String uid) {
        return new DomainStatus(uid, "", DomainState.ABSENT, 0);
    }
}
