package dev.sovra.agent;

import dev.sovra.agent.hypervisor.KvmProbe;
import dev.sovra.agent.hypervisor.libvirt.LibvirtDriver;
import dev.sovra.agent.hypervisor.libvirt.LibvirtDriverConfig;
import dev.sovra.agent.inventory.GuestCpuFeatures;
import dev.sovra.agent.inventory.HostFacts;
import dev.sovra.agent.inventory.InventoryCollector;
import dev.sovra.agent.link.ControllerLink;
import dev.sovra.agent.reconcile.DesiredStateFile;
import dev.sovra.agent.network.NetworkPlane;
import dev.sovra.agent.network.NetworkPlaneConfig;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.reconcile.DomainReconciler;
import dev.sovra.agent.reconcile.TenantNetwork;
import dev.sovra.agent.storage.StorageBackends;
import dev.sovra.agent.storage.VolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriverConfig;
import dev.sovra.agent.storage.rbd.RbdVolumeDriver;
import dev.sovra.agent.storage.rbd.RbdVolumeDriverConfig;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import dev.sovra.transport.Enrolment;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The node agent daemon: enrols once, then keeps libvirt converged to what the controller wants. */
@Command(name = "sovra-agent", mixinStandardHelpOptions = true,
        description = "Sovra node agent: runs the instances the controller places on this hypervisor.")
public final class AgentMain implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(AgentMain.class);

    @Option(names = "--controller", description = "Controller host name or address (default: ${DEFAULT-VALUE}).")
    String controllerHost = "127.0.0.1";

    @Option(names = "--port", description = "Controller agent port, mutual TLS (default: ${DEFAULT-VALUE}).")
    int port = 9443;

    @Option(names = "--enrol-port", description = "Controller enrolment port (default: ${DEFAULT-VALUE}).")
    int enrolPort = 9444;

    @Option(names = "--token", description = "One-time enrolment token; needed only on first start.")
    String token;

    @Option(names = "--node-name", description = "Node name (default: this host's name).")
    String nodeName;

    @Option(names = "--state-dir", description = "Agent state: credentials, desired state, instance files (default: ${DEFAULT-VALUE}).")
    Path stateDir = Path.of("/var/lib/sovra/agent");

    @Option(names = "--zone", description = "Availability zone of this node (default: ${DEFAULT-VALUE}).")
    String zone = "a";

    @Option(names = "--libvirt-uri", description = "libvirt connection URI (default: ${DEFAULT-VALUE}).")
    String libvirtUri = "qemu:///system";

    @Option(names = "--domain-type", description = "qemu (TCG), kvm, or auto: kvm only if a probe guest really boots under it (default: ${DEFAULT-VALUE}).")
    String domainType = "qemu";

    @Option(names = "--probe-kernel", description = "Kernel for the KVM probe (with --domain-type auto).")
    Path probeKernel;

    @Option(names = "--probe-initrd", description = "Initrd for the KVM probe (with --domain-type auto).")
    Path probeInitrd;

    @Option(names = "--shutdown-grace", description = "How long a guest gets to power off on ACPI before it is forced (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace = Duration.ofSeconds(30);

    @Option(names = "--resync-period", description = "Reconcile at least this often (default: ${DEFAULT-VALUE}).")
    Duration resyncPeriod = Duration.ofSeconds(2);

    @Option(names = "--underlay-ip", description = "This node's tunnel endpoint for tenant networks; enables tenant networking.")
    String underlayIp;

    @Option(names = "--tunnel-type", description = "Tenant overlay encapsulation, VXLAN or GENEVE (default: ${DEFAULT-VALUE}).")
    TunnelType tunnelType = TunnelType.VXLAN;

    @Option(names = "--underlay-mtu", description = "IP MTU of the network between nodes (default: ${DEFAULT-VALUE}).")
    int underlayMtu = Underlay.DEFAULT_MTU;

    @Option(names = "--ovsdb-socket", description = "Open vSwitch database socket (default: ${DEFAULT-VALUE}).")
    Path ovsdbSocket = OvsdbClient.DEFAULT_SOCKET;

    @Option(names = "--ovs-rundir", description = "ovs-vswitchd's run directory, for OpenFlow (default: ${DEFAULT-VALUE}).")
    Path ovsRunDir = NetworkPlaneConfig.defaults().ovsRunDir();

    @Option(names = "--network-bridge", description = "Integration bridge of tenant networks (default: ${DEFAULT-VALUE}).")
    String networkBridge = NetworkPlaneConfig.defaults().bridge();

    @Option(names = "--network-prefix", description = "Prefix of the namespaces and devices the data plane creates (default: ${DEFAULT-VALUE}).")
    String networkPrefix = NetworkPlaneConfig.defaults().devicePrefix();

    @Option(names = "--network-netns", description = "Network namespace of this node's OVS, into which guests' taps are "
            + "moved: only for emulating several hosts on one machine (default: the agent's own namespace).")
    String networkNetns;

    @Option(names = "--uplink-bridge", description = "Linux bridge of the provider uplink (created if absent; put the"
            + " uplink interface into it) that routers join for internet gateways and public IPs (default: none, no uplink).")
    String uplinkBridge;

    @Option(names = "--ceph", description = "Attach and manage Ceph RBD volumes (the 'ceph' backend) besides local ones.")
    boolean ceph;

    @Option(names = "--ceph-conf", description = "Ceph configuration (default: ${DEFAULT-VALUE}).")
    Path cephConf = Path.of("/etc/ceph/ceph.conf");

    @Option(names = "--ceph-pool", description = "RBD pool of volumes and images (default: ${DEFAULT-VALUE}).")
    String cephPool = "sovra";

    @Option(names = "--ceph-user", description = "cephx user, without 'client.' (default: ${DEFAULT-VALUE}).")
    String cephUser = "sovra";

    @Option(names = "--ceph-keyring", description = "Keyring of the cephx user (default: ${DEFAULT-VALUE}).")
    Path cephKeyring = Path.of("/etc/ceph/ceph.client.sovra.keyring");

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentMain()).execute(args));
    }

    /** The tenant data plane on the node's OVS, or null without {@code --underlay-ip}. */
    private TenantNetwork tenantNetwork() {
        if (underlayIp == null) {
            return null;
        }
        Underlay underlay = new Underlay(underlayIp, tunnelType, underlayMtu);
        NetworkPlaneConfig defaults = NetworkPlaneConfig.defaults();
        NetworkPlaneConfig config = new NetworkPlaneConfig(networkBridge, ovsRunDir, Optional.ofNullable(networkNetns),
                networkPrefix + "-", networkPrefix, stateDir.resolve("network"), defaults.vswitchdTimeout(),
                Optional.ofNullable(uplinkBridge));
        log.info("tenant networking enabled underlay={} tunnel={} mtu={} bridge={} ovsdb={} netns={} uplinkBridge={}",
                underlay.localIp(), tunnelType, underlayMtu, networkBridge, ovsdbSocket, networkNetns,
                uplinkBridge == null ? "none (routers get no external leg)" : uplinkBridge);
        return new TenantNetwork(new NetworkPlane(OvsdbClient.connect(ovsdbSocket), config), underlay);
    }

    @Override
    public Integer call() throws Exception {
        String node = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        Path pki = stateDir.resolve("pki");
        Files.createDirectories(stateDir);
        if (!Credentials.exists(pki)) {
            if (token == null) {
                log.error("node is not enrolled and no --token was given stateDir={}", stateDir);
                return 2;
            }
            log.info("enrolling node={} controller={}:{}", node, controllerHost, enrolPort);
            Enrolment.enrol(controllerHost, enrolPort, EnrolmentToken.parse(token), node, Duration.ofSeconds(30)).save(pki);
        }
        Credentials credentials = Credentials.load(pki);

        String type = chooseDomainType();
        StorageBackends storage = storageBackends();
        LibvirtDriver driver = new LibvirtDriver(LibvirtDriverConfig.of(libvirtUri, type, stateDir, node), storage);
        List<String> offered = driver.offeredDomainTypes();
        InventoryCollector collector = new InventoryCollector();
        TenantNetwork network = tenantNetwork();
        NodeInventory inventory = collector.collect(offered, type, zone, storage.names())
                .withUnderlay(network == null ? null : network.underlay())
                .withCpuFeatures(GuestCpuFeatures.read(libvirtUri, type, HostFacts.read().cpuFlags()));
        log.info("node inventory node={} cpus={} memoryMiB={} numaNodes={} profile={} domainType={} offered={} storage={}"
                + " guestCpuFeatures={}", node,
                inventory.logicalCpus(), inventory.memoryMiB(), inventory.numaNodes().size(), inventory.hardwareProfile(),
                type, offered, storage.names(), inventory.cpuFeatures() == null ? "unknown" : inventory.cpuFeatures().size());

        // Storage space is measured at every Hello; the rest of the inventory does not change while the agent runs.
        ControllerLink link = new ControllerLink(node, () -> inventory.withStorageCapacity(storage.capacity()),
                Duration.ofSeconds(30));
        DomainReconciler reconciler = new DomainReconciler(driver, storage,
                new DesiredStateFile(stateDir.resolve("desired-state.json")), link, resyncPeriod, shutdownGrace, Clock.systemUTC());
        if (network != null) {
            reconciler.useNetwork(network);
        }
        link.attach(reconciler);
        reconciler.start();
        TransportClient client = TransportClient.builder()
                .host(controllerHost)
                .port(port)
                .credentials(credentials)
                .handler(link)
                .build();
        client.start();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("agent stopping node={}", node);
            client.close();
            reconciler.close();
            driver.close();
            storage.close();
            stopped.countDown();
        }, "agent-shutdown"));
        stopped.await();
        return 0;
    }

    /** Local volumes under the state directory always; Ceph RBD volumes with --ceph. */
    private StorageBackends storageBackends() {
        List<VolumeDriver> drivers = new java.util.ArrayList<>();
        drivers.add(new LocalVolumeDriver(LocalVolumeDriverConfig.of(stateDir)));
        if (ceph) {
            // One libvirt secret per cluster user, the same uuid on every node and after every restart.
            String secretUuid = UUID.nameUUIDFromBytes(("sovra-ceph-secret:" + cephConf.toAbsolutePath() + ":" + cephUser)
                    .getBytes(StandardCharsets.UTF_8)).toString();
            drivers.add(new RbdVolumeDriver(new RbdVolumeDriverConfig(cephConf, cephPool, cephUser, cephKeyring, secretUuid,
                    null, null, null)));
        }
        return new StorageBackends(drivers);
    }

    private String chooseDomainType() {
        if (!"auto".equals(domainType)) {
            return domainType;
        }
        if (probeKernel == null || probeInitrd == null) {
            log.warn("domain type auto without --probe-kernel/--probe-initrd: using qemu (TCG)");
            return "qemu";
        }
        boolean kvm = KvmProbe.kvmBoots(libvirtUri, probeKernel, probeInitrd, Duration.ofSeconds(20));
        log.info("kvm probe result kvmBoots={}", kvm);
        return kvm ? "kvm" : "qemu";
    }
}
