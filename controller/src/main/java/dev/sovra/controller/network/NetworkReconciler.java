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
 * </ul>
 */
@Singleton
public final class NetworkReconciler {
    private static final Logger log = LoggerFactory.getLogger(NetworkReconciler.class);
    static final String VNI_POOL = "network-vni";

    private final Provider<NetworkResources> resources;
    private NetworkResources net;
    /** Nodes whose spec could not be built, with the reason last logged (reconciler thread only). */
    private final Map<String, String> failedNodes = new HashMap<>();
    /** The segments each node's data plane last reported it carries (written by agent sessions). */
    private final Map<String, Set<SegmentObservation>> programmed = new ConcurrentHashMap<>();
    private final Clock clock;

    /** A provider: the network resources need the instance service, which needs the reconciler that needs this. */
    public NetworkReconciler(Provider<NetworkResources> resources, Clock clock) {
        this.resources = resources;
        this.clock = clock;
    }

    /** A node's report of every segment its data plane carries; the next pass turns statuses from it. */
    public void observe(String nodeId, List<SegmentObservation> segments) {
        programmed.put(nodeId, Set.copyOf(segments));
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
    private record BoundNic(String nodeId, String portId, String device, String mac, List<String> ipv4, String networkId,
                            List<String> securityGroupIds, Resource nic, Resource network) {}

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
        return new NodeNetworkSpec(underlay, nodeSegments, ports, knownRemotes, referencedGroups);
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
        return Optional.of(new BoundNic(instance.nodeId(), path(tenant, workspace, "nics", nicName), tapDevice(mac), mac,
                ipv4, networkId, groupIds, nic, network.get()));
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
