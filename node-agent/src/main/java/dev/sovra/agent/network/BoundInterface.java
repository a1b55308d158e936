package dev.sovra.agent.network;

import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * A port of the integration bridge with its (single) interface, as ovs-vswitchd reports it.
 *
 * @param ofport the OpenFlow port number; -1 if ovs-vswitchd could not open the device, empty if not yet processed
 * @param ifindex the Linux ifindex of the device ovs-vswitchd opened (0: none)
 * @param externalIds the Interface's external ids
 */
record BoundInterface(UUID portUuid, String name, String type, Map<String, String> externalIds, OptionalLong ofport,
                      OptionalLong ofportRequest, long ifindex, String error) {

    /** External id marking what the network plane created, with the kind of port as value. */
    static final String KIND = "sovra-kind";
    /** External id recording the ifindex of the device when the port was bound (see {@link PortConvergence}). */
    static final String BOUND_IFINDEX = "sovra-ifindex";

    BoundInterface {
        externalIds = Map.copyOf(externalIds);
    }

    boolean ownedByPlane() {
        return externalIds.containsKey(KIND);
    }

    long recordedIfindex() {
        try {
            return Long.parseLong(externalIds.getOrDefault(BOUND_IFINDEX, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The number flows should use: the assigned port, else the requested one (the device may appear later). */
    OptionalLong usableOfport() {
        if (ofport.isPresent() && ofport.getAsLong() > 0) {
            return ofport;
        }
        return ofportRequest;
    }
}
