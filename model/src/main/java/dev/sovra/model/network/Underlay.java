package dev.sovra.model.network;

import java.util.Objects;

/**
 * The node's side of the overlay: its tunnel endpoint address (on the provider network between hypervisors), the
 * encapsulation all nodes use, and the provider network's MTU.
 *
 * @param mtu the underlay's IP MTU; tenant networks get this minus the encapsulation overhead
 */
public record Underlay(String localIp, TunnelType tunnelType, int mtu) {
    public static final int DEFAULT_MTU = 1500;

    public Underlay {
        localIp = Ipv4.canonical(localIp);
        Objects.requireNonNull(tunnelType, "tunnelType");
        if (mtu < 576 + tunnelType.overhead() || mtu > 9216) {
            throw new IllegalArgumentException("underlay MTU must be " + (576 + tunnelType.overhead()) + "-9216: " + mtu);
        }
    }

    public Underlay(String localIp, TunnelType tunnelType) {
        this(localIp, tunnelType, DEFAULT_MTU);
    }

    /**
     * The MTU guests must use so that an encapsulated frame still fits the underlay (handed out by DHCP): the
     * userspace datapath drops what does not fit, it does not fragment.
     */
    public int tenantMtu() {
        return mtu - tunnelType.overhead();
    }
}
