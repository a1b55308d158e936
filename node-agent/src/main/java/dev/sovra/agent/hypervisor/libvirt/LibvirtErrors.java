package dev.sovra.agent.hypervisor.libvirt;

import com.sun.jna.Pointer;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;
import org.libvirt.jna.virError;

/**
 * libvirt's default error function prints every error, expected ones included ("Domain not found" on each
 * absence check), to stderr. Sovra gets each error as a {@link LibvirtException} and decides itself what to
 * log, so the printer is replaced by a no-op once per process.
 */
public final class LibvirtErrors {

    // Held in a static field: JNA callbacks must stay reachable while native code may call them.
    private static final Libvirt.VirErrorCallback IGNORE = (Pointer userData, virError error) -> { };
    private static volatile boolean silenced;

    private LibvirtErrors() {
    }

    /** Replaces libvirt's stderr error printer with a no-op (process-wide, idempotent). */
    public static synchronized void silenceDefaultPrinter() {
        if (silenced) {
            return;
        }
        try {
            Connect.setErrorCallback(IGNORE);
            silenced = true;
        } catch (LibvirtException | RuntimeException | LinkageError e) {
            // keep libvirt's printer; errors still arrive as exceptions
        }
    }
}
