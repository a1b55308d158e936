package dev.sovra.agent.network;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the node's data plane lives and how its parts are named.
 *
 * @param bridge the integration bridge
 * @param ovsRunDir ovs-vswitchd's run directory (its {@code BRIDGE.mgmt} OpenFlow sockets)
 * @param nodeNetns the network namespace of the node's OVS and devices; empty on a real host (tests emulating
 *     several hosts on one machine give each its own)
 * @param netnsPrefix prefix of the namespaces the plane creates (DHCP servers), unique per node on one machine
 * @param devicePrefix prefix of the Linux devices the plane creates in the node's namespace (1-6 characters)
 * @param stateDir where the DHCP servers' files live (pid, reservations, log)
 * @param vswitchdTimeout how long to wait for ovs-vswitchd to apply a database change
 * @param uplinkBridge the Linux bridge (in the node's namespace) of the provider uplink, created if absent, that
 *     the routers' external legs join; empty: routers get no external leg (no internet gateway, no public IPs)
 */
public record NetworkPlaneConfig(String bridge, Path ovsRunDir, Optional<String> nodeNetns, String netnsPrefix,
                                 String devicePrefix, Path stateDir, Duration vswitchdTimeout,
                                 Optional<String> uplinkBridge) {

    public NetworkPlaneConfig {
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(ovsRunDir, "ovsRunDir");
        Objects.requireNonNull(nodeNetns, "nodeNetns");
        Objects.requireNonNull(netnsPrefix, "netnsPrefix");
        if (devicePrefix == null || devicePrefix.isEmpty() || devicePrefix.length() > 6) {
            throw new IllegalArgumentException("devicePrefix must be 1-6 characters (device names have 15): " + devicePrefix);
        }
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(vswitchdTimeout, "vswitchdTimeout");
        Objects.requireNonNull(uplinkBridge, "uplinkBridge");
        uplinkBridge.ifPresent(name -> {
            if (name.isEmpty() || name.length() > 15) {
                throw new IllegalArgumentException("uplinkBridge must be a Linux device name (1-15 characters): " + name);
            }
        });
    }

    /** Without an uplink. */
    public NetworkPlaneConfig(String bridge, Path ovsRunDir, Optional<String> nodeNetns, String netnsPrefix,
                              String devicePrefix, Path stateDir, Duration vswitchdTimeout) {
        this(bridge, ovsRunDir, nodeNetns, netnsPrefix, devicePrefix, stateDir, vswitchdTimeout, Optional.empty());
    }

    /** The same configuration with {@code bridge} as the provider uplink. */
    public NetworkPlaneConfig withUplinkBridge(String bridge) {
        return new NetworkPlaneConfig(this.bridge, ovsRunDir, nodeNetns, netnsPrefix, devicePrefix, stateDir,
                vswitchdTimeout, Optional.of(bridge));
    }

    /** A real host: {@code br-int} of the system OVS (Debian's paths), state under /var/lib/sovra/network. */
    public static NetworkPlaneConfig defaults() {
        return new NetworkPlaneConfig("br-int", Path.of("/var/run/openvswitch"), Optional.empty(), "sovra-", "sv",
                Path.of("/var/lib/sovra/network"), Duration.ofSeconds(10));
    }
}
