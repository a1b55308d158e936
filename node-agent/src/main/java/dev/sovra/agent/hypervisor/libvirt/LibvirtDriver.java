package dev.sovra.agent.hypervisor.libvirt;

import dev.sovra.agent.hypervisor.DomainStatus;
import dev.sovra.agent.hypervisor.HypervisorDriver;
import dev.sovra.agent.hypervisor.HypervisorException;
import dev.sovra.agent.storage.DiskSource;
import dev.sovra.agent.storage.StorageBackends;
import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceSpec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Secret;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xml.sax.InputSource;

/**
 * {@link HypervisorDriver} on libvirt (libvirt-java over JNA), normally {@code qemu:///system}.
 *
 * <p>One libvirt connection is shared; every libvirt call runs under one lock, so the driver may be used from
 * any number of threads. When libvirtd was restarted (the connection is dead or a call fails with a
 * connection error), the driver reconnects and retries the call once; all operations are idempotent, so a
 * retry is safe. Waiting (the grace period of {@link #shutdown}) happens outside the lock.
 *
 * <p>Per instance the driver owns the domain {@code sovra-<uid>} (UUID = uid) and the directory
 * {@code <stateDir>/instances/<uid>/} with {@code console.log}. Disks are volumes of the node's storage
 * backends ({@link StorageBackends}); for Ceph volumes the driver keeps the cephx key in a libvirt secret.
 */
public final class LibvirtDriver implements HypervisorDriver {
    private static final Logger log = LoggerFactory.getLogger(LibvirtDriver.class);

    /** virDomainUndefineFlags: MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM. */
    private static final int UNDEFINE_FLAGS = 1 | 2 | 4;
    /** virConnectListAllDomainsFlags: ACTIVE. */
    private static final int ACTIVE_DOMAINS = 1;
    /** virDomainXMLFlags: INACTIVE (the persistent definition). */
    private static final int DOMAIN_XML_INACTIVE = 2;
    /** virDomainBlockResizeFlags: BYTES (the size is in bytes, not KiB). */
    private static final int BLOCK_RESIZE_BYTES = 1;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-x--x");

    private final LibvirtDriverConfig config;
    private final StorageBackends storage;
    private final Object lock = new Object();
    private Connect connection;
    private boolean closed;

    public LibvirtDriver(LibvirtDriverConfig config, StorageBackends storage) {
        this.config = Objects.requireNonNull(config, "config");
        this.storage = Objects.requireNonNull(storage, "storage");
        LibvirtErrors.silenceDefaultPrinter();
    }

    public LibvirtDriverConfig config() {
        return config;
    }

    @Override
    public Map<String, DomainStatus> listOwned() {
        return call("", "cannot list domains", conn -> {
            Map<String, DomainStatus> owned = new LinkedHashMap<>();
            for (Domain domain : conn.listAllDomains(0)) {
                try {
                    SovraMetadata metadata = metadata(domain, Domain.ModificationImpact.CURRENT);
                    if (metadata != null && metadata.node().equals(config.nodeId())) {
                        owned.put(metadata.uid(), new DomainStatus(
                                metadata.uid(), metadata.ref(), state(domain), metadata.restartGeneration()));
                    }
                } catch (LibvirtException e) {
                    if (code(e) != ErrorNumber.VIR_ERR_NO_DOMAIN) { // vanished meanwhile: not listed
                        throw e;
                    }
                } finally {
                    free(domain);
                }
            }
            return Map.copyOf(owned);
        });
    }

    @Override
    public DomainStatus status(String uid) {
        String id = DomainXml.canonicalUid(uid);
        return call(id, "cannot read domain state", conn -> {
            Domain domain = lookup(conn, id);
            if (domain == null) {
                return DomainStatus.absent(id);
            }
            try {
                SovraMetadata metadata = requireOwned(id, domain, Domain.ModificationImpact.CURRENT);
                return new DomainStatus(id, metadata.ref(), state(domain), metadata.restartGeneration());
            } catch (LibvirtException e) {
                if (code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                    return DomainStatus.absent(id);
                }
                throw e;
            } finally {
                free(domain);
            }
        });
    }

    @Override
    public void define(InstanceSpec spec) {
        String id = DomainXml.canonicalUid(spec.uid());
        prepareInstanceDir(id);
        List<DiskSource> sources = spec.disks().stream().map(storage::diskSource).toList();
        call(id, "cannot define domain", conn -> {
            for (DiskSource source : sources) {
                if (source instanceof DiskSource.Rbd rbd) {
                    ensureSecret(conn, rbd.auth());
                }
            }
            long generation = spec.restartGeneration();
            Domain existing = lookup(conn, id);
            if (existing != null) {
                try {
                    // The persistent definition carries the generation already carried out; keep it.
                    generation = requireOwned(id, existing, Domain.ModificationImpact.CONFIG).restartGeneration();
                } finally {
                    free(existing);
                }
            }
            Domain domain = conn.domainDefineXML(DomainXml.render(spec, config, generation, sources));
            try {
                if (domain.isActive() == 1) {
                    applyDisksLive(id, domain, sources);
                }
            } finally {
                free(domain);
            }
            return null;
        });
    }

    @Override
    public void start(String uid) {
        String id = DomainXml.canonicalUid(uid);
        call(id, "cannot start domain", conn -> {
            Domain domain = requireDomain(conn, id);
            try {
                requireOwned(id, domain, Domain.ModificationImpact.CURRENT);
                if (domain.isActive() != 1) {
                    try {
                        domain.create();
                    } catch (LibvirtException e) {
                        if (!(code(e) == ErrorNumber.VIR_ERR_OPERATION_INVALID && domain.isActive() == 1)) {
                            throw e;
                        }
                    }
                }
                return null;
            } finally {
                free(domain);
            }
        });
    }

    @Override
    public void shutdown(String uid, Duration gracePeriod) {
        String id = DomainXml.canonicalUid(uid);
        if (!requestShutdown(id)) {
            return;
        }
        long deadline = System.nanoTime() + Math.max(0, gracePeriod.toNanos());
        while (System.nanoTime() < deadline) {
            if (!isRunning(id)) {
                return;
            }
            sleep(POLL);
        }
        forceStop(id);
    }

    @Override
    public boolean requestShutdown(String uid) {
        String id = DomainXml.canonicalUid(uid);
        return call(id, "cannot shut down domain", conn -> {
            Domain domain = lookup(conn, id);
            if (domain == null) {
                return false;
            }
            try {
                requireOwned(id, domain, Domain.ModificationImpact.CURRENT);
                if (domain.isActive() != 1) {
                    return false;
                }
                try {
                    domain.shutdown();
                } catch (LibvirtException e) {
                    if (code(e) == ErrorNumber.VIR_ERR_OPERATION_INVALID && domain.isActive() != 1) {
                        return false;
                    }
                    throw e;
                }
                return true;
            } finally {
                free(domain);
            }
        });
    }

    @Override
    public void forceStop(String uid) {
        String id = DomainXml.canonicalUid(uid);
        call(id, "cannot stop domain", conn -> {
            Domain domain = lookup(conn, id);
            if (domain == null) {
                return null;
            }
            try {
                requireOwned(id, domain, Domain.ModificationImpact.CURRENT);
                destroyIfActive(domain);
                return null;
            } finally {
                free(domain);
            }
        });
    }

    @Override
    public void reboot(String uid, long restartGeneration) {
        String id = DomainXml.canonicalUid(uid);
        call(id, "cannot restart domain", conn -> {
            Domain domain = requireDomain(conn, id);
            try {
                SovraMetadata current = requireOwned(id, domain, Domain.ModificationImpact.CONFIG);
                SovraMetadata updated = new SovraMetadata(id, current.ref(), current.node(), restartGeneration);
                boolean wasRunning = domain.isActive() == 1;
                // Power cycle: cut power, record the generation, power on. A pending definition update applies.
                // Recorded after the power cut, so a crash in between leads to one restart too many, never one
                // too few.
                if (wasRunning) {
                    destroyIfActive(domain);
                }
                domain.setMetadata(Domain.MetadataType.ELEMENT, updated.toSetMetadataXml(), SovraMetadata.PREFIX,
                        SovraMetadata.NAMESPACE, Domain.ModificationImpact.CONFIG);
                if (wasRunning) {
                    domain.create();
                }
                return null;
            } finally {
                free(domain);
            }
        });
    }

    @Override
    public void undefine(String uid) {
        String id = DomainXml.canonicalUid(uid);
        Set<String> secrets = new LinkedHashSet<>();
        call(id, "cannot undefine domain", conn -> {
            Domain domain = lookup(conn, id);
            if (domain != null) {
                try {
                    requireOwned(id, domain, Domain.ModificationImpact.CURRENT);
                    secrets.addAll(LiveDisks.secretUuids(domain.getXMLDesc(DOMAIN_XML_INACTIVE)));
                    destroyIfActive(domain);
                    try {
                        domain.undefine(UNDEFINE_FLAGS);
                    } catch (LibvirtException e) {
                        if (code(e) != ErrorNumber.VIR_ERR_NO_DOMAIN) {
                            throw e;
                        }
                    }
                } finally {
                    free(domain);
                }
            }
            return null;
        });
        deleteTree(id, config.instanceDir(id));
        if (!secrets.isEmpty()) {
            call(id, "cannot remove unused Ceph secrets", conn -> {
                removeUnusedSecrets(conn, secrets);
                return null;
            });
        }
    }

    /** Undefines the given Ceph secrets that no remaining domain of this node uses, so no key outlives its use. */
    private void removeUnusedSecrets(Connect conn, Set<String> candidates) throws LibvirtException {
        Set<String> unused = new LinkedHashSet<>(candidates);
        for (Domain other : conn.listAllDomains(0)) {
            try {
                unused.removeAll(LiveDisks.secretUuids(other.getXMLDesc(DOMAIN_XML_INACTIVE)));
            } catch (LibvirtException e) {
                if (code(e) != ErrorNumber.VIR_ERR_NO_DOMAIN) {
                    throw e;
                }
            } finally {
                free(other);
            }
        }
        for (String uuid : unused) {
            try {
                Secret secret = conn.secretLookupByUUIDString(uuid);
                try {
                    secret.undefine();
                    log.info("libvirt secret removed uuid={} reason=\"no domain of this node uses it\"", uuid);
                } finally {
                    secret.free();
                }
            } catch (LibvirtException e) {
                if (code(e) != ErrorNumber.VIR_ERR_NO_SECRET) {
                    throw e;
                }
            }
        }
    }

    @Override
    public boolean growAttachedDisk(String volumeUid, long sizeMiB) {
        return call(volumeUid, "cannot grow attached disk", conn -> {
            for (Domain domain : conn.listAllDomains(ACTIVE_DOMAINS)) {
                try {
                    SovraMetadata metadata = metadata(domain, Domain.ModificationImpact.CURRENT);
                    if (metadata == null || !metadata.node().equals(config.nodeId())) {
                        continue;
                    }
                    for (Map.Entry<String, String> disk : LiveDisks.byTarget(domain.getXMLDesc(0)).entrySet()) {
                        if (disk.getValue().contains(volumeUid)) {
                            domain.blockResize(disk.getKey(), sizeMiB * 1024 * 1024, BLOCK_RESIZE_BYTES);
                            log.info("disk grown live uid={} volume={} target={} sizeMiB={}", metadata.uid(), volumeUid,
                                    disk.getKey(), sizeMiB);
                            return true;
                        }
                    }
                } finally {
                    free(domain);
                }
            }
            return false;
        });
    }

    @Override
    public Path consoleLog(String uid) {
        return config.consoleLog(DomainXml.canonicalUid(uid));
    }

    @Override
    public List<String> offeredDomainTypes() {
        String capabilities = call("", "cannot read host capabilities", Connect::getCapabilities);
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = factory.newDocumentBuilder().parse(new InputSource(new StringReader(capabilities)));
            Set<String> types = new LinkedHashSet<>();
            NodeList guests = doc.getElementsByTagName("guest");
            for (int g = 0; g < guests.getLength(); g++) {
                NodeList domains = ((Element) guests.item(g)).getElementsByTagName("domain");
                for (int d = 0; d < domains.getLength(); d++) {
                    String type = ((Element) domains.item(d)).getAttribute("type");
                    if (!type.isEmpty()) {
                        types.add(type);
                    }
                }
            }
            return List.copyOf(types);
        } catch (Exception e) {
            throw new HypervisorException("", "unreadable host capabilities", e);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            dropConnection();
        }
    }

    // ---- libvirt plumbing -------------------------------------------------------------------------------

    @FunctionalInterface
    private interface LibvirtCall<T> {
        T apply(Connect conn) throws LibvirtException;
    }

    private <T> T call(String uid, String what, LibvirtCall<T> body) {
        synchronized (lock) {
            if (closed) {
                throw new HypervisorException(uid, what + ": driver is closed");
            }
            for (int attempt = 1; ; attempt++) {
                Connect conn = connection(uid);
                try {
                    return body.apply(conn);
                } catch (LibvirtException e) {
                    if (attempt == 1 && connectionLost(conn, e)) {
                        dropConnection(); // libvirtd restarted: reconnect and retry once
                        continue;
                    }
                    throw wrap(uid, what, e);
                }
            }
        }
    }

    private Connect connection(String uid) {
        if (connection != null) {
            boolean alive;
            try {
                alive = connection.isAlive();
            } catch (LibvirtException e) {
                alive = false;
            }
            if (alive) {
                return connection;
            }
            dropConnection();
        }
        try {
            connection = new Connect(config.uri());
            return connection;
        } catch (LibvirtException e) {
            throw wrap(uid, "cannot connect to libvirt at " + config.uri(), e);
        }
    }

    private void dropConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (LibvirtException ignored) {
                // the connection is being discarded anyway
            }
            connection = null;
        }
    }

    private static boolean connectionLost(Connect conn, LibvirtException e) {
        ErrorNumber code = code(e);
        if (code == ErrorNumber.VIR_ERR_INVALID_CONN || code == ErrorNumber.VIR_ERR_NO_CONNECT
                || code == ErrorNumber.VIR_ERR_RPC || code == ErrorNumber.VIR_ERR_SYSTEM_ERROR) {
            return true;
        }
        try {
            return !conn.isAlive();
        } catch (LibvirtException notAlive) {
            return true;
        }
    }

    private static HypervisorException wrap(String uid, String what, LibvirtException e) {
        ErrorNumber code = code(e);
        String message = e.getError() != null ? e.getError().getMessage() : e.getMessage();
        return new HypervisorException(uid, what, code == null ? "" : code.name(), message, e);
    }

    private static ErrorNumber code(LibvirtException e) {
        return e.getError() == null ? null : e.getError().getCode();
    }

    /** The domain with UUID {@code uid}, or null if there is none. */
    private static Domain lookup(Connect conn, String uid) throws LibvirtException {
        try {
            return conn.domainLookupByUUIDString(uid);
        } catch (LibvirtException e) {
            if (code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                return null;
            }
            throw e;
        }
    }

    private static Domain requireDomain(Connect conn, String uid) throws LibvirtException {
        Domain domain = lookup(conn, uid);
        if (domain == null) {
            throw new HypervisorException(uid, "no domain is defined for the instance", "VIR_ERR_NO_DOMAIN", "", null);
        }
        return domain;
    }

    /** Sovra's metadata of the domain, or null if it has none (a foreign domain). */
    private static SovraMetadata metadata(Domain domain, int impact) throws LibvirtException {
        String xml;
        try {
            xml = domain.getMetadata(Domain.MetadataType.ELEMENT, SovraMetadata.NAMESPACE, impact);
        } catch (LibvirtException e) {
            if (code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA) {
                return null;
            }
            throw e;
        }
        return xml == null || xml.isBlank() ? null : SovraMetadata.parse(xml);
    }

    private SovraMetadata requireOwned(String uid, Domain domain, int impact) throws LibvirtException {
        SovraMetadata metadata = metadata(domain, impact);
        if (metadata == null || !uid.equals(metadata.uid())) {
            throw new HypervisorException(uid, "domain " + domain.getName()
                    + " has the instance's UUID but no Sovra ownership metadata for it; not touching it");
        }
        if (!metadata.node().equals(config.nodeId())) {
            throw new HypervisorException(uid, "domain " + domain.getName() + " belongs to node '" + metadata.node()
                    + "', not to this agent's node '" + config.nodeId() + "'; not touching it");
        }
        return metadata;
    }

    private static void destroyIfActive(Domain domain) throws LibvirtException {
        if (domain.isActive() != 1) {
            return;
        }
        try {
            domain.destroy();
        } catch (LibvirtException e) {
            if (!(code(e) == ErrorNumber.VIR_ERR_OPERATION_INVALID && domain.isActive() != 1)) {
                throw e;
            }
        }
    }

    private boolean isRunning(String uid) {
        DomainState state = status(uid).state();
        return state == DomainState.RUNNING || state == DomainState.PAUSED;
    }

    static DomainState state(Domain domain) throws LibvirtException {
        DomainInfo.DomainState state = domain.getInfo().state;
        if (state == null) {
            return DomainState.FAILED;
        }
        switch (state) {
            case VIR_DOMAIN_RUNNING:
            case VIR_DOMAIN_BLOCKED:
            case VIR_DOMAIN_SHUTDOWN: // being shut down: still running
            case VIR_DOMAIN_NOSTATE:
                return domain.isActive() == 1 ? DomainState.RUNNING : DomainState.STOPPED;
            case VIR_DOMAIN_PAUSED:
            case VIR_DOMAIN_PMSUSPENDED:
                return DomainState.PAUSED;
            case VIR_DOMAIN_SHUTOFF:
                return DomainState.STOPPED;
            case VIR_DOMAIN_CRASHED:
                return DomainState.CRASHED;
            default:
                return DomainState.FAILED;
        }
    }

    private static void free(Domain domain) {
        if (domain != null) {
            try {
                domain.free();
            } catch (LibvirtException ignored) {
                // nothing to do about a failed free
            }
        }
    }

    // ---- files ------------------------------------------------------------------------------------------

    /** Creates the instance directory (traversable by the QEMU user, which writes the console log there). */
    private void prepareInstanceDir(String uid) {
        Path dir = config.instanceDir(uid);
        try {
            for (Path d : List.of(config.stateDir(), config.instancesDir(), dir)) {
                Files.createDirectories(d);
                Set<PosixFilePermission> mode = new java.util.HashSet<>(Files.getPosixFilePermissions(d));
                if (d.equals(dir)) {
                    mode = DIR_MODE;
                } else {
                    mode.add(PosixFilePermission.OTHERS_EXECUTE);
                }
                Files.setPosixFilePermissions(d, mode);
            }
        } catch (IOException e) {
            throw new HypervisorException(uid, "cannot prepare instance directory " + dir + ": " + e, e);
        }
    }

    // ---- disks of a running domain, and Ceph secrets ---------------------------------------------------

    /**
     * Makes a running domain's disks match {@code sources} without a restart: detaches disks that are no
     * longer wanted (the guest acknowledges through ACPI, so this completes asynchronously) and attaches new
     * ones. The persistent definition was already replaced, so a cold start gets the same set.
     */
    private void applyDisksLive(String uid, Domain domain, List<DiskSource> sources) throws LibvirtException {
        Map<String, String> live = LiveDisks.byTarget(domain.getXMLDesc(0));
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int index = 0; index < sources.size(); index++) {
            wanted.put(DomainXml.diskTarget(index), DomainXml.renderDisk(sources.get(index), DomainXml.diskTarget(index)));
        }
        for (Map.Entry<String, String> disk : live.entrySet()) {
            String target = disk.getKey();
            String want = wanted.get(target);
            if (want == null || !LiveDisks.sameSource(disk.getValue(), want)) {
                log.info("detaching disk live uid={} target={}", uid, target);
                domain.detachDeviceFlags(disk.getValue(), Domain.DeviceModifyFlags.LIVE);
            }
        }
        for (Map.Entry<String, String> disk : wanted.entrySet()) {
            String have = live.get(disk.getKey());
            if (have == null) {
                log.info("attaching disk live uid={} target={}", uid, disk.getKey());
                domain.attachDeviceFlags(disk.getValue(), Domain.DeviceModifyFlags.LIVE);
            }
        }
    }

    /**
     * Defines the libvirt secret holding a cephx key, if it is missing or holds another key. The key never
     * appears in a domain definition: disks name the secret by uuid.
     */
    private static void ensureSecret(Connect conn, DiskSource.CephAuth auth) throws LibvirtException {
        byte[] key = Base64.getDecoder().decode(auth.key());
        Secret secret = null;
        try {
            try {
                secret = conn.secretLookupByUUIDString(auth.secretUuid());
            } catch (LibvirtException e) {
                if (code(e) != ErrorNumber.VIR_ERR_NO_SECRET) {
                    throw e;
                }
            }
            if (secret == null) {
                secret = conn.secretDefineXML("<secret ephemeral='no' private='yes'><uuid>" + auth.secretUuid()
                        + "</uuid><usage type='ceph'><name>sovra client." + DomainXml.checkXmlText("cephx user", auth.user())
                        + "</name></usage></secret>");
                secret.setValue(key);
                log.info("libvirt secret defined uuid={} user={}", auth.secretUuid(), auth.user());
            } else {
                byte[] current;
                try {
                    current = secret.getByteValue();
                } catch (LibvirtException e) {
                    current = new byte[0]; // a private secret without value, or one we cannot read: set it
                }
                if (!java.util.Arrays.equals(current, key)) {
                    secret.setValue(key);
                    log.info("libvirt secret value updated uuid={} user={}", auth.secretUuid(), auth.user());
                }
            }
        } finally {
            if (secret != null) {
                secret.free();
            }
        }
    }

    private static void deleteTree(String uid, Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new HypervisorException(uid, "cannot list instance files in " + dir + ": " + e, e);
        }
        for (Path path : paths) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new HypervisorException(uid, "cannot delete " + path + ": " + e, e);
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("", "interrupted while waiting for the domain", e);
        }
    }
}
