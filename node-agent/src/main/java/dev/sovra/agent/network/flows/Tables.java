package dev.sovra.agent.network.flows;

/**
 * The OpenFlow tables of the integration bridge and the registers that carry state between them.
 *
 * <pre>
 *  0 CLASSIFY        in_port -> origin (reg4), source NIC zone (reg5), segment (reg6 = VNI)
 * 10 SOURCE_GUARD    a NIC may only send from its MAC and IPs (ARP included); IPv4 -> conntrack in its zone
 * 20 EGRESS_RULES    the NIC's egress security group rules; replies and related pass
 * 21 EGRESS_COMMIT   commit new connections in the source NIC's zone
 * 30 FORWARD         L2 within the segment: local NIC (-> 40), remote NIC (tunnel), the node's router,
 *                    broadcast (ARP/DHCP only)
 * 40 INGRESS_TRACK   ARP and the DHCP server pass; IPv4 -> conntrack in the destination NIC's zone
 * 41 INGRESS_RULES   the destination NIC's ingress rules; replies and related pass
 * 42 INGRESS_COMMIT  commit new connections in the destination NIC's zone, output
 * </pre>
 * Every table ends in a priority-0 drop: what no flow allows is dropped.
 */
public final class Tables {
    public static final int CLASSIFY = 0;
    public static final int SOURCE_GUARD = 10;
    public static final int EGRESS_RULES = 20;
    public static final int EGRESS_COMMIT = 21;
    public static final int FORWARD = 30;
    public static final int INGRESS_TRACK = 40;
    public static final int INGRESS_RULES = 41;
    public static final int INGRESS_COMMIT = 42;

    /** Where the packet came from: one of the {@code FROM_*} values. */
    public static final String ORIGIN = "reg4";
    /** The sending local NIC's OpenFlow port = its conntrack zone. */
    public static final String SOURCE_ZONE = "reg5";
    /** The segment's VNI. */
    public static final String SEGMENT = "reg6";
    /** The receiving local NIC's OpenFlow port = its conntrack zone. */
    public static final String DESTINATION = "reg7";

    public static final int FROM_NIC = 1;
    public static final int FROM_TUNNEL = 2;
    public static final int FROM_DHCP = 3;
    public static final int FROM_ROUTER = 4;

    static final String OUTPUT_DESTINATION = "output:NXM_NX_REG7[0..15]";
    static final String SOURCE_ZONE_FIELD = "NXM_NX_REG5[0..15]";
    static final String DESTINATION_ZONE_FIELD = "NXM_NX_REG7[0..15]";

    private Tables() {
    }
}
