package dev.sovra.agent.network;

import dev.sovra.agent.network.DesiredPort.Kind;
import dev.sovra.agent.network.dhcp.DhcpServers;
import dev.sovra.agent.network.dhcp.DhcpServers.DhcpServer;
import dev.sovra.agent.network.flows.Flow;
import dev.sovra.agent.network.flows.OfctlFlowTable;
import dev.sovra.agent.network.flows.OpenFlowPorts;
import dev.sovra.agent.network.flows.OpenFlowPorts.DhcpServerPort;
import dev.sovra.agent.network.flows.PipelineRenderer;
import dev.sovra.agent.network.router.Routers;
import dev.sovra.agent.network.router.Routers.Neighbour;
import dev.sovra.agent.network.router.Routers.RouterPort;
import dev.sovra.agent.network.ovsdb.DatapathType;
import dev.sovra.agent.network.ovsdb.OvsBridges;
import dev.sovra.agent.network.ovsdb.OvsdbClient;
import dev.sovra.agent.network.ovsdb.PortSpec;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Underlay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's tenant network data plane on Open vSwitch. {@link #apply} converges the node to a
 * {@link NodeNetworkSpec}: the integration bridge, one port per local NIC, one tunnel port per remote endpoint,
 * one DHCP server and one router per segment, and the complete OpenFlow pipeline (see {@code flows.Tables}).
 *
 * <p>Idempotent and stateless between calls: every apply reads the current state from OVSDB, the kernel and its
 * state files, so it is safe to call every few seconds and from a freshly restarted agent (nothing is duplicated;
 * what the spec no longer has is removed). Order matters for safety: ports exist before flows refer to them, and a
 * new NIC's port carries no traffic until its flows (with its anti-spoofing and security groups) are in.
 */
public final class NetworkPlane {
    private static final Logger log = LoggerFactory.getLogger(NetworkPlane.class);

    private final NetworkPlaneConfig config;
    private final IntegrationBridge bridge;
    private final PortConvergence ports;
    private final GuestTaps guestTaps;
    private final DhcpServers dhcpServers;
    private final Routers routers;
    private final OfctlFlowTable flowTable;

    public NetworkPlane(OvsdbClient client, NetworkPlaneConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        OvsBridges bridges = new OvsBridges(client);
        VswitchdSync sync = new VswitchdSync(client, config.vswitchdTimeout());
        HostCommands commands = new HostCommands(config.nodeNetns());
        this.bridge = new IntegrationBridge(client, bridges, sync, config.bridge());
        this.ports = new PortConvergence(client, bridges, sync, config.bridge());
        this.guestTaps = new GuestTaps(commands);
        this.dhcpServers = new DhcpServers(commands, config.netnsPrefix(), config.devicePrefix(), config.stateDir());
        this.routers = new Routers(commands, config.netnsPrefix(), config.devicePrefix(), config.uplinkBridge());
        this.flowTable = new OfctlFlowTable(commands, config.ovsRunDir(), config.bridge());
    }

    /** Converges the node to {@code spec}; throws {@link NetworkPlaneException} (with what failed) if it cannot. */
    public synchronized ApplyResult apply(NodeNetworkSpec spec) {
        long start = System.nanoTime();
        DatapathType datapath = bridge.ensure();

        Map<Long, DhcpServer> servers = new LinkedHashMap<>();
        for (Segment segment : spec.segments()) {
            if (segment.dhcpEnabled()) {
                List<NicPort> local = spec.nics().stream().filter(n -> n.networkId().equals(segment.networkId())).toList();
                servers.put(segment.vni(), dhcpServers.ensure(segment, local, spec.underlay().tenantMtu()));
            }
        }

        guestTaps.claim(spec.nics().stream().map(NicPort::device).toList()); // only with a node namespace
        Map<Long, RouterPort> routerPorts = new LinkedHashMap<>();
        for (Router router : spec.routers()) {
            Segment segment = spec.segment(router.networkId());
            routerPorts.put(segment.vni(), routers.ensure(segment, router, neighbours(spec, segment)));
        }

        List<DesiredPort> desired = new ArrayList<>();
        spec.nics().forEach(nic -> desired.add(nicPort(nic)));
        servers.forEach((vni, server) -> desired.add(dhcpPort(spec, vni, server)));
        routerPorts.forEach((vni, router) -> desired.add(routerPort(spec, vni, router)));
        TreeSet<String> endpoints = new TreeSet<>();
        spec.segments().forEach(segment -> endpoints.addAll(segment.remoteEndpoints()));
        endpoints.forEach(endpoint -> desired.add(tunnelPort(spec.underlay(), endpoint)));
        PortConvergence.Outcome outcome = ports.converge(desired);

        List<Flow> flows = PipelineRenderer.render(spec, openFlowPorts(spec, servers, routerPorts, outcome.ofports()));
        flowTable.replace(flows);

        int serversRemoved = dhcpServers.removeAllExcept(servers.keySet());
        int routersRemoved = routers.removeAllExcept(routerPorts.keySet());
        ApplyResult result = new ApplyResult(datapath.wireName(), spec.nics().size(), endpoints.size(), servers.size(),
                flows.size(), outcome.added(), outcome.removed(), outcome.rebound(), serversRemoved, outcome.notOpened(),
                Duration.ofNanos(System.nanoTime() - start));
        if (result.changedPorts() || routersRemoved > 0 || !result.notOpened().isEmpty()) {
            log.info("network applied bridge={} datapath={} nics={} tunnels={} dhcpServers={} flows={} portsAdded={} "
                            + "portsRemoved={} portsRebound={} dhcpRemoved={} routers={} routersRemoved={} notOpened={} "
                            + "tookMs={}", config.bridge(), result.datapath(), result.nics(), result.tunnels(),
                    result.dhcpServers(), result.flows(), result.portsAdded(), result.portsRemoved(),
                    result.portsRebound(), result.dhcpServersRemoved(), routerPorts.size(), routersRemoved,
                    result.notOpened(), result.took().toMillis());
        } else {
            log.debug("network unchanged bridge={} flows={} tookMs={}", config.bridge(), result.flows(),
                    result.took().toMillis());
        }
        return result;
    }

    /** The bridge's flows as ovs-ofctl dumps them (without counters), for observation and tests. */
    public List<String> dumpFlows() {
        return flowTable.dump();
    }

    private static DesiredPort nicPort(NicPort nic) {
        Map<String, String> ids = new HashMap<>();
        ids.put(BoundInterface.KIND, Kind.NIC.label());
        ids.put("iface-id", nic.portId());
        ids.put("attached-mac", nic.mac());
        ids.put("sovra-network", nic.networkId());
        return new DesiredPort(Kind.NIC, PortSpec.of(nic.device()).withExternalIds(ids));
    }

    private static DesiredPort dhcpPort(NodeNetworkSpec spec, long vni, DhcpServer server) {
        String network = spec.segments().stream().filter(s -> s.vni() == vni).findFirst().orElseThrow().networkId();
        return new DesiredPort(Kind.DHCP, PortSpec.of(server.nodeDevice()).withExternalIds(Map.of(
                BoundInterface.KIND, Kind.DHCP.label(), "sovra-network", network, "sovra-vni", Long.toString(vni))));
    }

    private static DesiredPort routerPort(NodeNetworkSpec spec, long vni, RouterPort router) {
        String network = spec.segments().stream().filter(s -> s.vni() == vni).findFirst().orElseThrow().networkId();
        return new DesiredPort(Kind.ROUTER, PortSpec.of(router.nodeDevice()).withExternalIds(Map.of(
                BoundInterface.KIND, Kind.ROUTER.label(), "sovra-network", network, "sovra-vni", Long.toString(vni))));
    }

    /** Every NIC address of the segment, local and remote, with its MAC: the router's permanent neighbours. */
    private static List<Neighbour> neighbours(NodeNetworkSpec spec, Segment segment) {
        List<Neighbour> neighbours = new ArrayList<>();
        for (NicPort nic : spec.nics()) {
            if (nic.networkId().equals(segment.networkId())) {
                nic.ipv4().forEach(address -> neighbours.add(new Neighbour(address, nic.mac())));
            }
        }
        for (RemoteNic nic : spec.remoteNics()) {
            if (nic.networkId().equals(segment.networkId())) {
                nic.ipv4().forEach(address -> neighbours.add(new Neighbour(address, nic.mac())));
            }
        }
        return neighbours;
    }

    private static DesiredPort tunnelPort(Underlay underlay, String endpoint) {
        // key=flow: one port per remote node carries every segment, the pipeline sets and matches the key.
        return new DesiredPort(Kind.TUNNEL, PortSpec.of(underlay.tunnelType().portName(endpoint))
                .withInterfaceType(underlay.tunnelType().ovsType())
                .withInterfaceOptions(Map.of("key", "flow", "remote_ip", endpoint, "local_ip", underlay.localIp()))
                .withExternalIds(Map.of(BoundInterface.KIND, Kind.TUNNEL.label(), "sovra-remote", endpoint)));
    }

    private static OpenFlowPorts openFlowPorts(NodeNetworkSpec spec, Map<Long, DhcpServer> servers,
                                               Map<Long, RouterPort> routerPorts, Map<String, Integer> byName) {
        Map<String, Integer> nics = new HashMap<>();
        spec.nics().forEach(nic -> {
            Integer ofport = byName.get(nic.device());
            if (ofport != null) {
                nics.put(nic.portId(), ofport);
            }
        });
        Map<Long, DhcpServerPort> dhcp = new HashMap<>();
        servers.forEach((vni, server) -> {
            Integer ofport = byName.get(server.nodeDevice());
            if (ofport != null) {
                dhcp.put(vni, new DhcpServerPort(ofport, server.mac()));
            }
        });
        Map<String, Integer> tunnels = new HashMap<>();
        spec.segments().forEach(segment -> segment.remoteEndpoints().forEach(endpoint -> {
            Integer ofport = byName.get(spec.underlay().tunnelType().portName(endpoint));
            if (ofport != null) {
                tunnels.put(endpoint, ofport);
            }
        }));
        Map<Long, OpenFlowPorts.RouterPort> routed = new HashMap<>();
        routerPorts.forEach((vni, router) -> {
            Integer ofport = byName.get(router.nodeDevice());
            if (ofport != null) {
                routed.put(vni, new OpenFlowPorts.RouterPort(ofport, router.mac()));
            }
        });
        return new OpenFlowPorts(nics, dhcp, tunnels, routed);
    }
}
