package dev.sovra.model.network;

/** The overlay encapsulation between nodes; both carry the segment's 24-bit key (VNI) per packet. */
public enum TunnelType {
    /** VXLAN, UDP 4789: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 bytes. */
    VXLAN("vxlan", "vx", 50),
    /** Geneve, UDP 6081, without options: outer IPv4 20 + UDP 8 + Geneve 8 + inner Ethernet 14 bytes. */
    GENEVE("geneve", "gn", 50);

    private final String ovsType;
    private final String portPrefix;
    private final int overhead;

    TunnelType(String ovsType, String portPrefix, int overhead) {
        this.ovsType = ovsType;
        this.portPrefix = portPrefix;
        this.overhead = overhead;
    }

    /** Bytes the encapsulation adds to a guest's IP packet on the underlay. */
    public int overhead() {
        return overhead;
    }

    /** The OVS Interface {@code type}. */
    public String ovsType() {
        return ovsType;
    }

    /** The tunnel port's name for a remote endpoint: prefix + the address in hex ({@code vxac1f0902}), 10 characters. */
    public String portName(String remoteIp) {
        return portPrefix + String.format("%08x", Ipv4.parse(remoteIp));
    }
}
