package dev.sovra.transport;

/**
 * Per-connection settings shared by server and client channels.
 *
 * @param role for logs: {@code agent-port}, {@code enrol-port}, {@code client}, {@code enrolment}
 * @param maxInFlight messages handed to the handler and not yet finished before reading stops
 * @param maxOutboundBytes bytes waiting to be sent (queued and in the channel's buffer) beyond which the
 *        connection is closed: the peer is not reading (one frame is always accepted)
 * @param heartbeatIntervalMillis send a Heartbeat this often; 0 disables
 * @param readIdleMillis close with "heartbeat timeout" when nothing was read for this long; 0 disables
 * @param peerIsNode take the peer node id from the verified client certificate's CN
 * @param enrolOnly accept only EnrolRequest requests, answer once and close
 */
record ConnectionOptions(
        String role,
        int maxFrameBytes,
        int maxInFlight,
        long maxOutboundBytes,
        long heartbeatIntervalMillis,
        long readIdleMillis,
        boolean peerIsNode,
        boolean enrolOnly) {

    ConnectionOptions {
        if (maxFrameBytes < 64) {
            throw new IllegalArgumentException("maxFrameBytes must be at least 64, was " + maxFrameBytes);
        }
        if (maxOutboundBytes < 1) {
            throw new IllegalArgumentException("maxOutboundBytes must be positive, was " + maxOutboundBytes);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
    }
}
