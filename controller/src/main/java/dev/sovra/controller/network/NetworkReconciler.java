package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.model.Instance;
import dev.sovra.model.NicSpec;
import dev.sovra.model.Node;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceState;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.Router.ExternalLeg;
import dev.sovra.model.network.Router.InternetRoute;
import dev.sovra.model.network.Router.NextHopRoute;
import dev.sovra.model.network.Router.PublicIpMapping;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SegmentObservation;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.Underlay;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller side of the tenant data plane, run once per pass of the instance reconciler: from the SECA
 * networks, subnets, NICs and security groups and the placed instances it computes each node's
 * {@link NodeNetworkSpec} and each instance's {@link NicSpec}s (tap device and MAC that libvirt creates).
 *
 * <ul>
 *   <li>A network gets a VNI once, allocated with CAS in the IPAM store (pool {@value #VNI_POOL}) and kept while
 *       the network exists.</li>
 *   <li>A subnet's gateway is its first usable address and its DHCP server address its last usable one; NIC IPAM
 *       never hands out either ({@code NicRules}).</li>
 *   <li>An instance's NICs are {@code primaryNicRef} then {@code additionalNicRefs}; each must be a NIC of the
 *       instance's workspace that no older instance uses. A NIC that breaks this is left out (logged).</li>
 *   <li>A NIC's security groups are its {@code securityGroupRefs} plus the instance's {@code securityGroupRef}.</li>
 *   <li>Only nodes that reported an underlay get a spec; NICs on other nodes appear as remote NICs behind their
 *       node's tunnel endpoint.</li>
 *   <li>Status from the data plane: a NIC bound on such a node is {@code active} once its node reports the segment
 *       programmed ({@link #observe}), {@code pending} before; a network is {@code active} once every node with one
 *       of its NICs reports it, {@code updating} before. A network or NIC nothing places on such a node keeps the
 *       status it was given at creation ({@code active}: ready to be used).</li>
 *   <li>Each segment on a node gets its router there: internet routes from its subnets' route tables, 1:1 NAT for
 *       the public IPs of the node's NICs, and an uplink address of its own (per network and node, from the IPv4
 *       public pool) when it has either.</li>
 * </ul>
 */
@Singleton
public final class NetworkReconciler {
    private static final Logger log = LoggerFactory.getLogger(NetworkReconciler.class);
    static final String VNI_POOL = "network-vni";

    private final Provider<NetworkResources> resources;
    private NetworkResources net;
    private PublicIpRules publicIps;
    /** Nodes whose spec could not be built, with the reason last logged (reconciler thread only). */
    private final Map<String, String> failedNodes = new HashMap<>();
    /** The segments each node's data plane last reported it carries (written by agent sessions). */
    private final Map<String, Set<SegmentObservation>> programmed = new ConcurrentHashMap<>();
    /** Counts the reports that changed what a node carries: a pass whose inputs include it sees a change. */
    private final AtomicLong observationChanges = new AtomicLong();
    private final Clock clock;

    /** A provider: the network resources need the instance service, which needs the reconciler that needs this. */
    public NetworkReconciler(Provider<NetworkResources> resources, Clock clock) {
        this.resources = resources;
        this.clock = clock;
    }

    /** A node's report of every segment its data plane carries; the next pass turns statuses from it. */
    public void observe(String nodeId, List<SegmentObservation> segments) {
        Set<SegmentObservation> carried = Set.copyOf(segments);
        if (!carried.equals(programmed.put(nodeId, carried))) {
            observationChanges.incrementAndGet();
        }
    }

    /**
     * How many node reports so far changed what a node carries; a pass's statuses depend on them besides the store.
     * Read it before the pass reads the reports, so a report arriving meanwhile shows as a change next time.
     */
    public long observationChanges() {
        return observationChanges.get();
    }

    /** Each node's network spec (nodes with an underlay only) and each instance's NICs, by instance uid. */
    public record Plan(Map<String, NodeNetworkSpec> byNode, Map<String, List<NicSpec>> nicsByInstance) {
        public NodeNetworkSpec network(String nodeId) {
            return byNode.get(nodeId);
        }

        public List<NicSpec> nics(String instanceUid) {
            return nicsByInstance.getOrDefault(instanceUid, List.of());
        }
    }

    /** A NIC bound to an instance on a node, resolved down to its segment and addresses. */
    private record BoundNic(String nodeId, String instance, String portId, String device, String mac, List<String> ipv4,
                            String networkId, List<String> securityGroupIds, Resource nic, Resource network) {}

    /** A subnet's route table as the router needs it: internet destinations (with egressOnly), next hops by destination. */
    private record SubnetRoutes(Map<String, Boolean> internet, Map<String, String> nextHops) {}

    /** @param instances the placed instances that are not being deleted, oldest first */
    public Plan pass(Collection<Node> nodes, List<Instance> instances) {
        Map<String, Underlay> underlays = new TreeMap<>();
        nodes.forEach(n -> {
            if (n.inventory() != null && n.inventory().underlay() != null) {
                underlays.put(n.id(), n.inventory().underlay());
            }
        });
        if (underlays.isEmpty()) {
            return new Plan(Map.of(), Map.of()); // no node does tenant networking: nothing to plan
        }
        if (net == null) {
            net = resources.get();
            publicIps = new PublicIpRules(net);
        }
        Map<String, Segment> segments = new HashMap<>(); // network id -> segment without remote endpoints
        Map<String, SecurityGroup> groups = new HashMap<>();
        Map<String, List<NicSpec>> nicsByInstance = new HashMap<>();
        List<BoundNic> bound = new ArrayList<>();
        Set<String> claimed = new HashSet<>();
        for (Instance instance : instances) {
            List<NicSpec> specs = new ArrayList<>();
            for (String nicName : nicNames(instance)) {
                String nicPath = path(instance.tenant(), instance.workspace(), "nics", nicName);
                if (!claimed.add(nicPath)) {
                    log.warn("nic left out: attached to an older instance nic={} instance={}", nicPath, instance.path());
                    continue;
                }
                Optional<BoundNic> nic = resolve(instance, nicName, segments, groups);
                if (nic.isEmpty()) {
                    continue;
                }
                specs.add(new NicSpec(nic.get().device(), nic.get().mac()));
                bound.add(nic.get());
            }
            if (!specs.isEmpty()) {
                nicsByInstance.put(instance.uid(), List.copyOf(specs));
            }
        }
        Map<String, NodeNetworkSpec> byNode = new HashMap<>();
        for (Map.Entry<String, Underlay> node : underlays.entrySet()) {
            // A spec that cannot be built (inconsistent records) is left out for that node only: the node keeps
            // what it has, and every other node and the rest of the pass go on.
            try {
                byNode.put(node.getKey(), nodeSpec(node.getKey(), node.getValue(), bound, segments, groups, underlays));
                failedNodes.remove(node.getKey());
            } catch (RuntimeException e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (!reason.equals(failedNodes.put(node.getKey(), reason))) {
                    log.error("network spec not built node={} reason=\"{}\"", node.getKey(), reason, e);
                }
            }
        }
        settleStatus(bound, segments, underlays.keySet());
        return new Plan(byNode, nicsByInstance);
    }

    /** NIC and network status from what the nodes with tenant networking report they carry. */
    private void settleStatus(List<BoundNic> bound, Map<String, Segment> segments, Set<String> networkingNodes) {
        Map<String, Boolean> networkCarried = new LinkedHashMap<>();
        Map<String, Resource> networks = new HashMap<>();
        for (BoundNic nic : bound) {
            if (!networkingNodes.contains(nic.nodeId())) {
                continue; // its node has no data plane that could report it
            }
            SegmentObservation segment = new SegmentObservation(nic.networkId(), segments.get(nic.networkId()).vni());
            boolean carried = programmed.getOrDefault(nic.nodeId(), Set.of()).contains(segment);
            settle(NetworkResources.NIC, nic.nic(), carried, ResourceState.PENDING);
            networkCarried.merge(nic.networkId(), carried, Boolean::logicalAnd);
            networks.putIfAbsent(nic.networkId(), nic.network());
        }
        networkCarried.forEach((id, carried) -> settle(NetworkResources.NETWORK, networks.get(id), carried, ResourceState.UPDATING));
    }

    /** Active once carried; {@code waiting} while a node still has to program it. Writes only a change. */
    private void settle(ResourceType type, Resource resource, boolean carried, ResourceState waiting) {
        ResourceState state = resource.status().state();
        ResourceState next = carried ? ResourceState.ACTIVE : waiting;
        boolean change = carried ? state == ResourceState.PENDING || state == ResourceState.CREATING || state == ResourceState.UPDATING
                : state == ResourceState.ACTIVE;
        if (change && net.resources.replaceStatus(type, resource,
                status -> status.state() == state ? status.then(next, clock.instant(), carried ? "Programmed" : "Programming") : status)) {
            log.info("{} {} by the data plane ref={}/{}/{}", type.kind(), next.name().toLowerCase(), resource.tenant(),
                    resource.workspace(), resource.name());
        }
    }

    private NodeNetworkSpec nodeSpec(String nodeId, Underlay underlay, List<BoundNic> bound, Map<String, Segment> segments,
                                     Map<String, SecurityGroup> groups, Map<String, Underlay> underlays) {
        List<BoundNic> local = bound.stream().filter(n -> n.nodeId().equals(nodeId)).toList();
        Set<String> networks = new LinkedHashSet<>();
        local.forEach(n -> networks.add(n.networkId()));
        List<Segment> nodeSegments = new ArrayList<>();
        List<RemoteNic> remotes = new ArrayList<>();
        for (String networkId : networks) {
            Set<String> endpoints = new HashSet<>();
            for (BoundNic other : bound) {
                Underlay remote = underlays.get(other.nodeId());
                if (other.networkId().equals(networkId) && !other.nodeId().equals(nodeId) && remote != null
                        && !remote.localIp().equals(underlay.localIp())) {
                    endpoints.add(remote.localIp());
                    remotes.add(new RemoteNic(other.portId(), other.mac(), other.ipv4(), networkId, remote.localIp(),
                            other.securityGroupIds()));
                }
            }
            Segment segment = segments.get(networkId);
            nodeSegments.add(new Segment(networkId, segment.vni(), segment.subnets(), List.copyOf(endpoints)));
        }
        // The groups the node's NICs name, and (transitively) the groups their rules name as remotes.
        Map<String, SecurityGroup> nodeGroups = new LinkedHashMap<>();
        Deque<String> todo = new ArrayDeque<>();
        local.forEach(n -> todo.addAll(n.securityGroupIds()));
        remotes.forEach(n -> todo.addAll(n.securityGroupIds()));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (!nodeGroups.containsKey(id) && groups.containsKey(id)) {
                nodeGroups.put(id, groups.get(id));
                todo.addAll(SecurityGroupTranslation.remoteGroups(groups.get(id)));
            }
        }
        List<NicPort> ports = local.stream().map(n -> new NicPort(n.portId(), n.device(), n.mac(), n.ipv4(), n.networkId(),
                n.securityGroupIds())).toList();
        List<RemoteNic> knownRemotes = remotes.stream()
                .map(r -> new RemoteNic(r.portId(), r.mac(), r.ipv4(), r.networkId(), r.endpoint(),
                        r.securityGroupIds().stream().filter(nodeGroups::containsKey).toList()))
                .toList();
        List<SecurityGroup> referencedGroups = nodeGroups.values().stream()
                .map(g -> new SecurityGroup(g.id(), g.rules().stream()
                        .filter(r -> r.remoteGroupId() == null || nodeGroups.containsKey(r.remoteGroupId())).toList()))
                .sorted(Comparator.comparing(SecurityGroup::id)).toList();
        List<Router> routers = nodeSegments.stream().map(segment -> router(nodeId, segment, local, bound)).toList();
        return new NodeNetworkSpec(underlay, nodeSegments, ports, knownRemotes, referencedGroups, routers);
    }

    /**
     * The network's router on this node. Its subnets' route tables give the internet routes: IPv4 destinations whose
     * target is an existing internet gateway. A local NIC's public IP (its first IPv4 one, on its first address)
     * is mapped only if its subnet routes to an internet gateway that is not {@code egressOnly}; an address already
     * mapped on this node is not mapped twice. Routes to a NIC, an instance (its primary NIC) or an address become
     * next-hop routes when that address is a guest address of the segment. The router gets an uplink address only
     * when it needs one.
     */
    private Router router(String nodeId, Segment segment, List<BoundNic> local, List<BoundNic> bound) {
        String networkId = segment.networkId();
        String[] path = networkId.split("/"); // tenants/<t>/workspaces/<w>/networks/<n>
        String tenant = path[1];
        String workspace = path[3];
        String network = path[5];
        List<InternetRoute> routes = new ArrayList<>();
        List<NextHopRoute> nextHops = new ArrayList<>();
        Set<String> inbound = new HashSet<>();
        for (Resource subnet : net.resources.all(NetworkResources.subnets(network), tenant, workspace)) {
            Ip.Block block = net.subnetCidr(tenant, workspace, network, subnet.name(), subnet.spec()).get(Ip.Family.V4);
            if (block == null || segment.subnets().stream().noneMatch(s -> s.cidr().equals(block.toString()))) {
                continue;
            }
            SubnetRoutes table = routeTable(subnet, tenant, workspace, network, bound);
            for (Map.Entry<String, Boolean> route : table.internet().entrySet()) {
                routes.add(new InternetRoute(block.toString(), route.getKey()));
                if (!route.getValue()) {
                    inbound.add(block.toString());
                }
            }
            table.nextHops().forEach((destination, hop) -> {
                Subnet hopSubnet = segment.subnetOf(hop);
                if (hopSubnet != null && !hop.equals(hopSubnet.gateway()) && !hop.equals(hopSubnet.dhcpServer())) {
                    nextHops.add(new NextHopRoute(block.toString(), destination, hop));
                }
            });
        }
        List<PublicIpMapping> mappings = new ArrayList<>();
        Set<String> mapped = new HashSet<>();
        for (BoundNic nic : local) {
            Subnet subnet = nic.networkId().equals(networkId) ? segment.subnetOf(nic.ipv4().get(0)) : null;
            if (subnet == null || !inbound.contains(subnet.cidr())) {
                continue;
            }
            for (String name : NicRules.publicIpNames(nic.nic()).stream().sorted().toList()) {
                Optional<String> address = publicAddress(tenant, workspace, name);
                if (address.isPresent() && mapped.add(address.get())) {
                    mappings.add(new PublicIpMapping(address.get(), nic.ipv4().get(0)));
                    break;
                }
            }
        }
        if (routes.isEmpty() && mappings.isEmpty()) {
            return Router.internal(networkId).withNextHopRoutes(nextHops);
        }
        Optional<String> external = publicIps.routerAddress(tenant, workspace, network, nodeId);
        if (external.isEmpty()) {
            log.warn("router without uplink: the public IP pool is exhausted network={} node={}", networkId, nodeId);
            return Router.internal(networkId).withNextHopRoutes(nextHops);
        }
        Ip.Block pool = net.publicPool(Ip.Family.V4).orElseThrow();
        return new Router(networkId, new ExternalLeg(external.get(), pool.toString(), net.uplinkGateway()), routes,
                nextHops, mappings);
    }

    /**
     * The subnet's route table: IPv4 destinations it sends to an existing internet gateway (with its egressOnly), and
     * those it sends to an address, a NIC or an instance (resolved to an address among the bound NICs).
     */
    private SubnetRoutes routeTable(Resource subnet, String tenant, String workspace, String network, List<BoundNic> bound) {
        Map<String, Boolean> routes = new LinkedHashMap<>();
        Map<String, String> nextHops = new LinkedHashMap<>();
        try {
            Ref tableRef = Ref.parse("spec.routeTableRef", subnet.spec().get("routeTableRef"));
            Optional<Resource> table = tableRef == null ? Optional.empty()
                    : net.get(NetworkResources.routeTables(network), tenant, workspace,
                            tableRef.target("route-tables", tenant, workspace));
            List<Object> items = table.map(t -> Specs.list("spec.routes", t.spec().get("routes"), false, 0, 1000))
                    .orElse(null);
            for (Object item : items == null ? List.of() : items) {
                if (!(item instanceof Map<?, ?> route) || !(route.get("destinationCidrBlock") instanceof String destination)) {
                    continue;
                }
                Optional<Ip.Block> cidr = Ip.cidr(destination).filter(b -> b.family() == Ip.Family.V4);
                Object target = route.get("targetRef");
                if (cidr.isEmpty() || target == null) {
                    continue;
                }
                if (RouteTableRules.ipTarget(target)) {
                    Object address = target instanceof Map<?, ?> map ? map.get("resource") : target;
                    Ip.address(String.valueOf(address)).filter(a -> a.family() == Ip.Family.V4)
                            .ifPresent(a -> nextHops.putIfAbsent(cidr.get().toString(), Ip.format(Ip.Family.V4, a.base())));
                    continue;
                }
                Ref targetRef = Ref.parse("targetRef", target);
                String plural = targetRef.lastPlural();
                if (plural.equals("nics") || plural.equals("instances")) {
                    String name = targetRef.target(plural, tenant, workspace);
                    String nicPath = path(tenant, workspace, "nics", name);
                    bound.stream().filter(n -> plural.equals("nics") ? n.portId().equals(nicPath)
                                    : n.instance().equals(name) && n.portId().startsWith(path(tenant, workspace, "nics", "")))
                            .findFirst().ifPresent(n -> nextHops.putIfAbsent(cidr.get().toString(), n.ipv4().get(0)));
                    continue;
                }
                if (!plural.equals("internet-gateways")) {
                    continue; // NAT gateways are not realised
                }
                Optional<Resource> gateway = net.get(NetworkResources.INTERNET_GATEWAY, tenant, workspace,
                        targetRef.target("internet-gateways", tenant, workspace));
                gateway.ifPresent(g -> routes.merge(cidr.get().toString(),
                        Boolean.TRUE.equals(g.spec().get("egressOnly")), (a, b) -> a && b));
            }
        } catch (ApiProblem unreadable) {
            log.warn("route table left out subnet={} reason=\"{}\"", subnet.name(), unreadable.getMessage());
        }
        return new SubnetRoutes(routes, nextHops);
    }

    /** The IPv4 address a public IP holds (allocated from the pool if it names none), or empty. */
    private Optional<String> publicAddress(String tenant, String workspace, String name) {
        Optional<Resource> publicIp = net.get(NetworkResources.PUBLIC_IP, tenant, workspace, name);
        if (publicIp.isEmpty() || !"IPv4".equals(publicIp.get().spec().get("version"))) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(publicIps.allocate(tenant, workspace, name, publicIp.get().spec()));
        } catch (ApiProblem exhausted) {
            log.warn("public IP has no address pool exhausted publicIp={}/{}/{}", tenant, workspace, name);
            return Optional.empty();
        }
    }

    /** The NIC as the data plane needs it, or empty (logged) when it cannot be bound yet. */
    private Optional<BoundNic> resolve(Instance instance, String nicName, Map<String, Segment> segments,
                                       Map<String, SecurityGroup> groups) {
        String tenant = instance.tenant();
        String workspace = instance.workspace();
        Optional<Resource> found = net.get(NetworkResources.NIC, tenant, workspace, nicName);
        if (found.isEmpty()) {
            log.debug("nic not bound yet: no such nic instance={} nic={}", instance.path(), nicName);
            return Optional.empty();
        }
        Resource nic = found.get();
        Ref subnetRef = Ref.parse("spec.subnetRef", nic.spec().get("subnetRef"));
        String networkName = subnetRef.path().get("networks");
        String subnetName = subnetRef.target("subnets", tenant, workspace);
        Optional<Resource> network = net.get(NetworkResources.NETWORK, tenant, workspace, networkName);
        Optional<Resource> subnet = net.get(NetworkResources.subnets(networkName), tenant, workspace, subnetName);
        if (network.isEmpty() || subnet.isEmpty()) {
            log.warn("nic not bound: its subnet is gone instance={} nic={}", instance.path(), nicName);
            return Optional.empty();
        }
        String networkId = path(tenant, workspace, "networks", networkName);
        Segment segment = segments.computeIfAbsent(networkId, id -> new Segment(id, vni(network.get()), List.of(), List.of()));
        Ip.Block block = net.subnetCidr(tenant, workspace, networkName, subnetName, subnet.get().spec()).get(Ip.Family.V4);
        if (block == null) {
            log.warn("nic not bound: subnet has no IPv4 range instance={} nic={}", instance.path(), nicName);
            return Optional.empty();
        }
        Subnet dataSubnet = subnet(block);
        if (segment.subnets().stream().noneMatch(s -> s.cidr().equals(dataSubnet.cidr()))) {
            List<Subnet> subnets = new ArrayList<>(segment.subnets());
            subnets.add(dataSubnet);
            segments.put(networkId, new Segment(networkId, segment.vni(), subnets, List.of()));
        }
        List<String> ipv4 = net.ipam.held(NicRules.pool(tenant, workspace, networkName, subnetName), nicName).orElse(List.of())
                .stream().filter(a -> Ip.address(a).filter(b -> b.family() == Ip.Family.V4 && block.contains(b.base())).isPresent())
                .toList();
        if (ipv4.isEmpty()) {
            log.warn("nic not bound: no IPv4 address allocated instance={} nic={}", instance.path(), nicName);
            return Optional.empty();
        }
        List<String> groupIds = new ArrayList<>();
        List<Object> groupRefs = new ArrayList<>();
        if (nic.spec().get("securityGroupRefs") instanceof List<?> refs) {
            groupRefs.addAll(refs);
        }
        if (instance.spec().get("securityGroupRef") != null) {
            groupRefs.add(instance.spec().get("securityGroupRef"));
        }
        for (Object ref : groupRefs) {
            try {
                String name = Ref.parse("securityGroupRef", ref).target("security-groups", tenant, workspace);
                Optional<Resource> group = net.get(NetworkResources.SECURITY_GROUP, tenant, workspace, name);
                if (group.isEmpty()) {
                    log.warn("security group left out: it does not exist instance={} group={}", instance.path(), name);
                    continue;
                }
                SecurityGroup translated = SecurityGroupTranslation.translate(group.get(),
                        rule -> net.get(NetworkResources.SECURITY_GROUP_RULE, tenant, workspace, rule));
                groups.put(translated.id(), translated);
                if (!groupIds.contains(translated.id())) {
                    groupIds.add(translated.id());
                }
            } catch (ApiProblem invalid) {
                log.warn("security group left out instance={} reason=\"{}\"", instance.path(), invalid.getMessage());
            }
        }
        String mac = NicRules.mac(nic);
        return Optional.of(new BoundNic(instance.nodeId(), instance.name(), path(tenant, workspace, "nics", nicName),
                tapDevice(mac), mac, ipv4, networkId, groupIds, nic, network.get()));
    }

    /** The names of the instance's NICs in its workspace, primary first; references elsewhere are refused (logged). */
    private static List<String> nicNames(Instance instance) {
        List<Object> refs = new ArrayList<>();
        if (instance.spec().get("primaryNicRef") != null) {
            refs.add(instance.spec().get("primaryNicRef"));
        }
        if (instance.spec().get("additionalNicRefs") instanceof List<?> more) {
            refs.addAll(more);
        }
        List<String> names = new ArrayList<>();
        for (Object ref : refs) {
            try {
                String name = Ref.parse("spec.primaryNicRef", ref).target("nics", instance.tenant(), instance.workspace());
                if (!names.contains(name)) {
                    names.add(name);
                }
            } catch (ApiProblem invalid) {
                log.warn("nic left out instance={} reason=\"{}\"", instance.path(), invalid.getMessage());
            }
        }
        return names;
    }

    /** Gateway = first usable address, DHCP server = last usable (both kept out of NIC IPAM); no DHCP below /29. */
    static Subnet subnet(Ip.Block block) {
        String gateway = Ip.format(block.family(), block.base().add(BigInteger.ONE));
        String dhcp = block.prefix() <= 29 ? Ip.format(block.family(), dhcpServer(block)) : null;
        return new Subnet(block.toString(), gateway, dhcp);
    }

    static BigInteger dhcpServer(Ip.Block block) {
        return block.last().subtract(BigInteger.ONE);
    }

    /** The tap device of a NIC, from its MAC: unique per NIC, stable, 14 characters (Linux allows 15). */
    static String tapDevice(String mac) {
        return "tn" + mac.replace(":", "");
    }

    /** The network's VNI: allocated once (lowest free), kept while the network exists. */
    private long vni(Resource network) {
        String owner = network.tenant() + "/" + network.workspace() + "/" + network.name() + "@" + network.metadata().createdAt();
        List<String> held = net.ipam.assign(VNI_POOL, owner, other -> alive(other), (taken, current) -> {
            if (current != null && !current.isEmpty()) {
                return current;
            }
            for (long candidate = 1; candidate <= Segment.MAX_VNI; candidate++) {
                if (!taken.contains(Long.toString(candidate))) {
                    return List.of(Long.toString(candidate));
                }
            }
            throw new IllegalStateException("no free VNI left");
        });
        return Long.parseLong(held.get(0));
    }

    /** Whether the network that owns a VNI (tenant/workspace/name@createdAt) still exists. */
    private boolean alive(String owner) {
        int at = owner.lastIndexOf('@');
        String[] parts = owner.substring(0, at).split("/", 3);
        return parts.length == 3 && net.get(NetworkResources.NETWORK, parts[0], parts[1], parts[2])
                .map(n -> n.metadata().createdAt().toString().equals(owner.substring(at + 1))).orElse(false);
    }

    private static String path(String tenant, String workspace, String plural, String name) {
        return "tenants/" + tenant + "/workspaces/" + workspace + "/" + plural + "/" + name;
    }
}
