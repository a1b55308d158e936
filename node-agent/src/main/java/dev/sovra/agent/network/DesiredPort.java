package dev.sovra.agent.network;

import dev.sovra.agent.network.ovsdb.PortSpec;

/** A port the spec needs on the integration bridge, by kind, and how to create it (without its OpenFlow number). */
record DesiredPort(Kind kind, PortSpec spec) {

    enum Kind {
        NIC("nic"),
        DHCP("dhcp"),
        ROUTER("router"),
        TUNNEL("tunnel");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    String name() {
        return spec.name();
    }

    /** Linux devices (taps, veths) can be re-created under the same name; tunnels are ovs-vswitchd's own. */
    boolean isDevice() {
        return kind != Kind.TUNNEL;
    }
}
