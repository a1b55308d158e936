package dev.sovra.model.network;

import java.util.Objects;

/**
 * A node reports that its data plane carries this segment: ports, flows and DHCP of the spec it last applied
 * without error. The VNI tells a segment apart from an earlier network of the same name.
 */
public record SegmentObservation(String networkId, long vni) {
    public SegmentObservation {
        Objects.requireNonNull(networkId, "networkId");
    }

    public static SegmentObservation of(Segment segment) {
        return new SegmentObservation(segment.networkId(), segment.vni());
    }
}
