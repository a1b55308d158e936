package dev.sovra.agent.network.spec;

/** The overlay encapsulation between nodes; both carry the segment's 24-bit key (VNI) per packet. */
public enum TunnelType {
    /** VXLAN, UDP 4789. */
    VXLAN("vxlan", "vx"),
    /** Geneve, UDP 6081. */
    GENEVE("geneve", "gn");

    private final String ovsType;
    private final String portPrefix;

    TunnelType(String ovsType, String portPrefix) {
        this.ovsType = ovsType;
        this.portPrefix = portPrefix;
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
