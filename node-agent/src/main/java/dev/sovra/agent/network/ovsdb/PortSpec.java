package dev.sovra.agent.network.ovsdb;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * A port with one interface of the same name, as {@link OvsBridges#addPort} creates it.
 *
 * @param name port and interface name (for a tap or veth: the Linux device name)
 * @param interfaceType Interface {@code type}: {@code ""} for a Linux device (tap, veth), {@code internal}, {@code patch}, ...
 * @param interfaceOptions Interface {@code options} (e.g. {@code peer} of a patch port); owned entirely by the spec
 * @param externalIds keys set on both the Port's and the Interface's {@code external_ids} (e.g. {@code iface-id},
 *     {@code sovra-nic}); other keys there (libvirt's {@code attached-mac}, ...) are left alone
 * @param tag the access VLAN tag (0-4095), empty for a trunk/untagged port
 * @param ofportRequest the OpenFlow port number to ask for (Interface {@code ofport_request}, 1-65279), empty to
 *     let ovs-vswitchd choose; a stable number keeps flows that name the port valid when it is re-created
 */
public record PortSpec(String name, String interfaceType, Map<String, String> interfaceOptions,
                       Map<String, String> externalIds, OptionalInt tag, OptionalInt ofportRequest) {
    /** Highest OpenFlow port number a port may request (above are OFPP_MAX and the reserved ports). */
    public static final int MAX_OFPORT = 65279;

    public PortSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("port name must not be blank");
        }
        Objects.requireNonNull(interfaceType, "interfaceType");
        interfaceOptions = Map.copyOf(interfaceOptions);
        externalIds = Map.copyOf(externalIds);
        Objects.requireNonNull(tag, "tag");
        tag.ifPresent(OvsBridges::checkVlanTag);
        Objects.requireNonNull(ofportRequest, "ofportRequest");
        ofportRequest.ifPresent(port -> {
            if (port < 1 || port > MAX_OFPORT) {
                throw new IllegalArgumentException("ofport_request must be 1-" + MAX_OFPORT + ": " + port);
            }
        });
    }

    /** A port for the Linux device {@code name} (interface type {@code ""}), untagged, without external ids. */
    public static PortSpec of(String name) {
        return new PortSpec(name, "", Map.of(), Map.of(), OptionalInt.empty(), OptionalInt.empty());
    }

    public PortSpec withInterfaceType(String type) {
        return new PortSpec(name, type, interfaceOptions, externalIds, tag, ofportRequest);
    }

    public PortSpec withInterfaceOptions(Map<String, String> options) {
        return new PortSpec(name, interfaceType, options, externalIds, tag, ofportRequest);
    }

    public PortSpec withExternalIds(Map<String, String> ids) {
        return new PortSpec(name, interfaceType, interfaceOptions, ids, tag, ofportRequest);
    }

    public PortSpec withTag(int vlan) {
        return new PortSpec(name, interfaceType, interfaceOptions, externalIds, OptionalInt.of(vlan), ofportRequest);
    }

    public PortSpec withOfportRequest(int ofport) {
        return new PortSpec(name, interfaceType, interfaceOptions, externalIds, tag, OptionalInt.of(ofport));
    }

    /** External ids in key order (stable for logs and comparisons). */
    public Map<String, String> sortedExternalIds() {
        return new TreeMap<>(externalIds);
    }
}
