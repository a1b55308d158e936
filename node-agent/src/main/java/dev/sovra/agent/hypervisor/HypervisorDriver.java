package dev.sovra.agent.hypervisor;

import dev.sovra.model.InstanceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The node agent's view of the local hypervisor: one domain per instance, identified by the instance uid.
 *
 * <p>Every method is idempotent and safe to call from several threads. Only domains carrying Sovra's
 * ownership metadata are ever listed or changed; a foreign domain that happens to collide with an
 * instance's uid or name makes the call fail with a {@link HypervisorException} instead.
 */
public interface HypervisorDriver extends AutoCloseable {

    /** Every domain carrying Sovra's ownership metadata, keyed by instance uid. */
    Map<String, DomainStatus> listOwned();

    /** State of one instance's domain; {@link dev.sovra.model.DomainState#ABSENT} when there is none. */
    DomainStatus status(String uid);

    /**
     * Creates or updates the domain definition (and creates missing local disk files). Idempotent.
     * Does not start it. Changes to a running domain apply at its next cold start (start after a stop,
     * or {@link #reboot}).
     */
    void define(InstanceSpec spec);

    /** Starts the domain if it is not running. Idempotent. */
    void start(String uid);

    /** ACPI shutdown, then a forced stop if still running after gracePeriod. Idempotent; blocks up to gracePeriod. */
    void shutdown(String uid, Duration gracePeriod);

    /** Sends the ACPI power-button event and returns at once; false if the domain was not running. */
    boolean requestShutdown(String uid);

    /** Stops the domain at once (power cut). Idempotent. */
    void forceStop(String uid);

    /**
     * Power-cycles a running domain (hard reset, as SECA "restart" means) and records generation in the
     * domain metadata. On a domain that is not running it only records the generation.
     */
    void reboot(String uid, long restartGeneration);

    /**
     * Stops it if running, undefines it and deletes every file the driver made for it (disks, console log,
     * directory). Idempotent.
     */
    void undefine(String uid);

    /**
     * Grows the disk backed by volume {@code volumeUid} in the running domain that has it open, through the
     * hypervisor (QEMU holds the image, so nothing else may resize it); the guest sees the new size at once.
     *
     * @return false if no running domain of this node has the volume
     */
    boolean growAttachedDisk(String volumeUid, long sizeMiB);

    /** The serial console log file of the instance. */
    Path consoleLog(String uid);

    /** libvirt domain types the host offers (from capabilities), e.g. [qemu, kvm]. */
    List<String> offeredDomainTypes();

    @Override
    void close();
}
