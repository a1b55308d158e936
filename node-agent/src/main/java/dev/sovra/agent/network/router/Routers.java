package dev.sovra.agent.network.router;

import dev.sovra.agent.network.HostCommands;
import dev.sovra.agent.network.NamespaceLinks;
import dev.sovra.agent.network.NetworkPlaneException;
import dev.sovra.model.network.Ipv4;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.Router.ExternalLeg;
import dev.sovra.model.network.Router.InternetRoute;
import dev.sovra.model.network.Router.NextHopRoute;
import dev.sovra.model.network.Router.PublicIpMapping;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed router of each network on this node: a network namespace ({@code <netns-prefix>rtr-<vni>}) that
 * routes with the Linux stack and filters and translates with iptables.
 *
 * <ul>
 *   <li>Inside leg: a veth, {@value #INSIDE_DEVICE} in the namespace with every subnet's gateway address and the
 *       network's router MAC (identical on every node, like the DHCP server's), {@code <device-prefix>r<vni>} on
 *       the integration bridge. The MACs of the network's NICs (local and remote) are permanent neighbours: the
 *       router never needs ARP answers, which would reach the replying guest's own node's router instead.</li>
 *   <li>External leg (when the router has one): a veth, {@value #EXTERNAL_DEVICE} in the namespace with the
 *       router's uplink address and the public IPs (as /32, so the kernel answers ARP for them), its peer
 *       {@code <device-prefix>x<vni>} a port of the uplink bridge; default route via the uplink's gateway.</li>
 *   <li>Next-hop routes: per source subnet with such routes, a routing table (the network's subnets on-link, then
 *       the routes) selected by a rule {@code from <subnet> iif rtr0}; what it does not route falls through to the
 *       main table.</li>
 *   <li>iptables: forwarding between the subnets is free; to the uplink only what an internet route allows, SNAT to
 *       the NIC's public IP or else to the router's address; from the uplink only to public IPs (DNAT) and replies.
 *       The guests' security groups still apply on the integration bridge.</li>
 * </ul>
 * Everything is read back from the kernel on each call, so the same code creates, repairs and adopts routers.
 */
public final class Routers {
    private static final Logger log = LoggerFactory.getLogger(Routers.class);
    public static final String INSIDE_DEVICE = "rtr0";
    public static final String EXTERNAL_DEVICE = "ext0";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String NETNS_MARK = "rtr-";
    /** Routing table and rule priority of the first subnet's next-hop routes. */
    static final int FIRST_TABLE = 1000;

    private final HostCommands commands;
    private final NamespaceLinks links;
    private final String netnsPrefix;
    private final String devicePrefix;
    private final Optional<String> uplinkBridge;

    /** A router on this node: the node-side device of its inside leg (a br-int port) and its MAC. */
    public record RouterPort(long vni, String nodeDevice, String mac) {
    }

    /** A NIC of the network the router delivers to: its address and MAC. */
    public record Neighbour(String address, String mac) {
    }

    public Routers(HostCommands commands, String netnsPrefix, String devicePrefix, Optional<String> uplinkBridge) {
        this.commands = commands;
        this.links = new NamespaceLinks(commands);
        this.netnsPrefix = netnsPrefix;
        this.devicePrefix = devicePrefix;
        this.uplinkBridge = uplinkBridge;
    }

    /** The router MAC of a network: locally administered, from the VNI, the same on every node. */
    public static String mac(long vni) {
        return String.format("02:5e:%02x:%02x:%02x:01", (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff);
    }

    /** The external leg's MAC, from its address: stable across re-creation, so the uplink's ARP caches stay right. */
    static String externalMac(String address) {
        int value = Ipv4.parse(address);
        return String.format("02:5f:%02x:%02x:%02x:%02x", (value >>> 24) & 0xff, (value >>> 16) & 0xff,
                (value >>> 8) & 0xff, value & 0xff);
    }

    public String netns(long vni) {
        return netnsPrefix + NETNS_MARK + vni;
    }

    public String insideNodeDevice(long vni) {
        return devicePrefix + "r" + vni;
    }

    public String externalNodeDevice(long vni) {
        return devicePrefix + "x" + vni;
    }

    /** Makes the segment's router exist as {@code router} says, delivering to {@code neighbours}. */
    public RouterPort ensure(Segment segment, Router router, List<Neighbour> neighbours) {
        long vni = segment.vni();
        String netns = netns(vni);
        if (!commands.namespaces().contains(netns)) {
            HostCommands.Result added = commands.run(List.of("ip", "netns", "add", netns), TIMEOUT);
            if (!added.ok() && !commands.namespaces().contains(netns)) {
                HostCommands.check(added);
            }
            log.info("router namespace created netns={} network={} vni={}", netns, segment.networkId(), vni);
        }
        // Every time, not only after creating the namespace: an agent that died right after creating it must not
        // leave a router that does not forward. Forwarding on; no ICMP redirects when a route table sends a guest's
        // traffic to another guest of the same subnet: the next hop is the route table's choice, not a shortcut.
        commands.ipIn(netns, "link", "set", "lo", "up");
        HostCommands.check(commands.execIn(netns, List.of("sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
                "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.default.send_redirects=0"), TIMEOUT));
        String inside = insideNodeDevice(vni);
        links.ensureVeth(netns, inside, INSIDE_DEVICE, mac(vni), Optional.empty());
        Set<String> gateways = segment.subnets().stream().filter(s -> s.gateway() != null)
                .map(s -> s.gateway() + "/" + s.parsedCidr().prefixLength()).collect(Collectors.toCollection(LinkedHashSet::new));
        links.ensureAddresses(netns, INSIDE_DEVICE, gateways);
        ensureNeighbours(netns, neighbours);
        ensureExternal(netns, vni, router);
        ensureRouteTables(netns, segment, router);
        HostCommands.Result restored = commands.execInWithInput(netns, List.of("iptables-restore"),
                rules(segment, router), TIMEOUT);
        if (!restored.ok()) {
            throw new NetworkPlaneException("router " + segment.networkId() + " (vni " + vni + "): iptables-restore failed: "
                    + restored.stderr().strip());
        }
        return new RouterPort(vni, inside, mac(vni));
    }

    /** Deletes the routers (namespace, both legs) of every segment not in {@code keep}. */
    public int removeAllExcept(Set<Long> keep) {
        int removed = 0;
        for (String netns : commands.namespaces()) {
            if (!netns.startsWith(netnsPrefix + NETNS_MARK)) {
                continue;
            }
            long vni;
            try {
                vni = Long.parseLong(netns.substring((netnsPrefix + NETNS_MARK).length()));
            } catch (NumberFormatException e) {
                continue;
            }
            if (keep.contains(vni)) {
                continue;
            }
            // Deleting the namespace deletes its veth ends, and with them their peers in the node's namespace.
            HostCommands.check(commands.run(List.of("ip", "netns", "del", netns), TIMEOUT));
            log.info("router removed netns={} vni={}", netns, vni);
            removed++;
        }
        return removed;
    }

    /** The iptables ruleset of the router's namespace (filter and nat tables, replaced whole and atomically). */
    static String rules(Segment segment, Router router) {
        StringBuilder text = new StringBuilder();
        text.append("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
        text.append("-A FORWARD -i ").append(INSIDE_DEVICE).append(" -o ").append(INSIDE_DEVICE).append(" -j ACCEPT\n");
        text.append("-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n");
        for (InternetRoute route : router.internetRoutes()) {
            text.append("-A FORWARD -i ").append(INSIDE_DEVICE).append(" -o ").append(EXTERNAL_DEVICE).append(" -s ")
                    .append(route.sourceCidr()).append(" -d ").append(route.destinationCidr()).append(" -j ACCEPT\n");
        }
        if (!router.publicIps().isEmpty()) {
            text.append("-A FORWARD -i ").append(EXTERNAL_DEVICE).append(" -o ").append(INSIDE_DEVICE)
                    .append(" -m conntrack --ctstate DNAT -j ACCEPT\n");
        }
        text.append("COMMIT\n");
        text.append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        for (PublicIpMapping mapping : router.publicIps()) {
            text.append("-A PREROUTING -i ").append(EXTERNAL_DEVICE).append(" -d ").append(mapping.publicAddress())
                    .append(" -j DNAT --to-destination ").append(mapping.privateAddress()).append('\n');
        }
        for (PublicIpMapping mapping : router.publicIps()) {
            text.append("-A POSTROUTING -o ").append(EXTERNAL_DEVICE).append(" -s ").append(mapping.privateAddress())
                    .append(" -j SNAT --to-source ").append(mapping.publicAddress()).append('\n');
        }
        if (router.external() != null) {
            for (Subnet subnet : segment.subnets()) {
                text.append("-A POSTROUTING -o ").append(EXTERNAL_DEVICE).append(" -s ").append(subnet.cidr())
                        .append(" -j SNAT --to-source ").append(router.external().address()).append('\n');
            }
        }
        text.append("COMMIT\n");
        return text.toString();
    }

    private void ensureExternal(String netns, long vni, Router router) {
        boolean present = commands.run(List.of("ip", "-n", netns, "-o", "link", "show", "dev", EXTERNAL_DEVICE), TIMEOUT).ok();
        ExternalLeg leg = router.external();
        if (leg == null || uplinkBridge.isEmpty()) {
            if (leg != null) {
                log.debug("router has no external leg: the agent has no uplink bridge configured vni={} netns={}", vni, netns);
            }
            if (present) {
                commands.ipIn(netns, "link", "del", EXTERNAL_DEVICE);
                log.info("router external leg removed netns={} vni={}", netns, vni);
            }
            return;
        }
        ensureUplinkBridge(uplinkBridge.get());
        String nodeDevice = externalNodeDevice(vni);
        links.ensureVeth(netns, nodeDevice, EXTERNAL_DEVICE, externalMac(leg.address()), uplinkBridge);
        Set<String> addresses = new LinkedHashSet<>();
        addresses.add(leg.address() + "/" + leg.prefixLength());
        router.publicIps().forEach(m -> addresses.add(m.publicAddress() + "/32"));
        links.ensureAddresses(netns, EXTERNAL_DEVICE, addresses);
        commands.ipIn(netns, "route", "replace", "default", "via", leg.gateway(), "dev", EXTERNAL_DEVICE);
    }

    /**
     * One routing table and rule per source subnet with next-hop routes: table and rule priority
     * {@value #FIRST_TABLE} + the subnet's index in the segment.
     */
    private void ensureRouteTables(String netns, Segment segment, Router router) {
        Map<Integer, String> wantedRules = new LinkedHashMap<>();
        Map<Integer, Set<String>> wantedTables = new LinkedHashMap<>();
        for (int i = 0; i < segment.subnets().size(); i++) {
            String source = segment.subnets().get(i).cidr();
            List<NextHopRoute> routes = router.nextHopRoutes().stream().filter(r -> r.sourceCidr().equals(source)).toList();
            if (routes.isEmpty()) {
                continue;
            }
            int table = FIRST_TABLE + i;
            wantedRules.put(table, "from " + source + " iif " + INSIDE_DEVICE + " lookup " + table);
            Set<String> entries = new LinkedHashSet<>();
            segment.subnets().forEach(s -> entries.add(s.cidr() + " dev " + INSIDE_DEVICE + " scope link"));
            routes.forEach(r -> entries.add(r.destinationCidr() + " via " + r.nextHop() + " dev " + INSIDE_DEVICE));
            wantedTables.put(table, entries);
        }
        Map<Integer, String> presentRules = new LinkedHashMap<>();
        commands.ipIn(netns, "-4", "rule", "show").stdout().lines().forEach(line -> {
            String[] words = line.trim().split("\\s+", 2);
            if (words.length == 2 && words[0].endsWith(":")) {
                int priority = Integer.parseInt(words[0].substring(0, words[0].length() - 1));
                if (priority >= FIRST_TABLE && priority < FIRST_TABLE + 1000) {
                    presentRules.put(priority, words[1].trim());
                }
            }
        });
        presentRules.forEach((priority, rule) -> {
            if (!rule.equals(wantedRules.get(priority))) {
                commands.ipIn(netns, "rule", "del", "priority", Integer.toString(priority));
                flushTable(netns, priority);
            }
        });
        wantedTables.forEach((table, entries) -> {
            // A table that has no route does not exist for the kernel: both commands fail then, and it is empty.
            HostCommands.Result shown = commands.run(List.of("ip", "-n", netns, "-4", "route", "show", "table",
                    Integer.toString(table)), TIMEOUT);
            Set<String> present = !shown.ok() ? Set.of() : shown.stdout().lines().map(String::trim)
                    .filter(l -> !l.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
            if (!present.equals(entries)) {
                flushTable(netns, table);
                for (String entry : entries) {
                    List<String> args = new ArrayList<>(List.of("route", "add"));
                    args.addAll(List.of(entry.split(" ")));
                    args.addAll(List.of("table", Integer.toString(table)));
                    commands.ipIn(netns, args.toArray(String[]::new));
                }
            }
            if (!wantedRules.get(table).equals(presentRules.get(table))) {
                List<String> args = new ArrayList<>(List.of("rule", "add", "priority", Integer.toString(table)));
                args.addAll(List.of(wantedRules.get(table).split(" ")));
                commands.ipIn(netns, args.toArray(String[]::new));
            }
        });
    }

    private void flushTable(String netns, int table) {
        commands.run(List.of("ip", "-n", netns, "route", "flush", "table", Integer.toString(table)), TIMEOUT);
    }

    private void ensureUplinkBridge(String bridge) {
        if (commands.execInNode(List.of("ip", "-o", "link", "show", "dev", bridge), TIMEOUT).ok()) {
            return;
        }
        commands.ipNode("link", "add", "name", bridge, "type", "bridge");
        commands.ipNode("link", "set", bridge, "up");
        log.info("uplink bridge created bridge={}", bridge);
    }

    private void ensureNeighbours(String netns, List<Neighbour> neighbours) {
        Map<String, String> wanted = new LinkedHashMap<>();
        neighbours.forEach(n -> wanted.put(n.address(), n.mac()));
        Map<String, String> present = new LinkedHashMap<>();
        commands.ipIn(netns, "-4", "neigh", "show", "dev", INSIDE_DEVICE, "nud", "permanent").stdout().lines()
                .forEach(line -> {
                    String[] words = line.trim().split("\\s+");
                    if (words.length >= 3 && words[1].equals("lladdr")) {
                        present.put(words[0], words[2]);
                    }
                });
        for (String address : present.keySet()) {
            if (!wanted.containsKey(address)) {
                commands.ipIn(netns, "neigh", "del", address, "dev", INSIDE_DEVICE);
            }
        }
        wanted.forEach((address, mac) -> {
            if (!mac.equals(present.get(address))) {
                commands.ipIn(netns, "neigh", "replace", address, "lladdr", mac, "dev", INSIDE_DEVICE, "nud", "permanent");
            }
        });
    }
}
