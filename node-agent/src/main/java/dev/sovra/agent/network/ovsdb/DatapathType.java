package dev.sovra.agent.network.ovsdb;

/** A bridge's {@code datapath_type}: the kernel datapath, or the userspace one (what CI and VMs without the openvswitch module use). */
public enum DatapathType {
    /** The kernel module's datapath; OVS also reads an empty {@code datapath_type} as this. */
    SYSTEM("system"),
    /** The userspace datapath of ovs-vswitchd (AF_PACKET/tap), no kernel module needed. */
    NETDEV("netdev");

    private final String wireName;

    DatapathType(String wireName) {
        this.wireName = wireName;
    }

    /** The value stored in the Bridge table. */
    public String wireName() {
        return wireName;
    }

    /** Whether a stored {@code datapath_type} value means this type. */
    public boolean matches(String stored) {
        return wireName.equals(stored) || (this == SYSTEM && stored.isEmpty());
    }
}
