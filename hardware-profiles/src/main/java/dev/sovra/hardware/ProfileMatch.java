package dev.sovra.hardware;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of matching a machine's DMI data against the catalogue.
 *
 * @param profile the chosen profile, never {@code null}
 * @param generic true when nothing matched and {@code profile} is the generic fallback
 * @param warnings what an operator should know about this match (why it fell back, ambiguities); empty
 *        for a clean match
 */
public record ProfileMatch(HardwareProfile profile, boolean generic, List<String> warnings) {

    public ProfileMatch {
        Objects.requireNonNull(profile, "profile");
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }
}
