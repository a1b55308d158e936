package dev.sovra.agent.network;

/**
 * The provider network between two {@link OvsNode}s: a veth pair, each end on the node's {@code br-phy} bridge,
 * and the node's tunnel endpoint address on {@code br-phy}'s internal port.
 *
 * <p>Why {@code br-phy}: the userspace datapath encapsulates tunnel packets itself and must then send them out of
 * an OVS port. It routes by the kernel's table (which ovs-vswitchd mirrors, {@code ovs-appctl ovs/route/show}) and
 * resolves the next hop by its own ARP cache ({@code tnl/arp/show}, learned from ARP that passes its bridges), so
 * the endpoint address must sit on an OVS bridge whose ports reach the other node. With the kernel datapath the
 * address could be on any host interface.
 */
final class Underlay {
    static final String BRIDGE = "br-phy";

    private Underlay() {
    }

    /** Connects {@code a} and {@code b} with addresses {@code ipA}/{@code ipB} in a /24. */
    static void connect(String prefix, OvsNode a, String ipA, OvsNode b, String ipB) {
        String endA = prefix + "ua";
        String endB = prefix + "ub";
        OvsNode.check(java.util.List.of("ip", "link", "add", endA, "type", "veth", "peer", "name", endB));
        OvsNode.check(java.util.List.of("ip", "link", "set", endA, "netns", a.netns()));
        OvsNode.check(java.util.List.of("ip", "link", "set", endB, "netns", b.netns()));
        attach(a, endA, ipA);
        attach(b, endB, ipB);
    }

    private static void attach(OvsNode node, String device, String ip) {
        node.ip("link", "set", device, "up");
        node.vsctl("add-br", BRIDGE, "--", "set", "bridge", BRIDGE, "datapath_type=netdev", "--",
                "add-port", BRIDGE, device);
        node.ip("addr", "add", ip + "/24", "dev", BRIDGE);
        node.ip("link", "set", BRIDGE, "up");
    }
}
