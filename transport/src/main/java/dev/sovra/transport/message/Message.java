package dev.sovra.transport.message;

/**
 * Everything that travels between controller and agent. Each message is a record serialised by its
 * components (Jackson CBOR); its wire type code is given by {@link MessageType}.
 */
public sealed interface Message
        permits Hello, Welcome, DesiredState, Ack, ObservedState, Heartbeat, EnrolRequest, EnrolResponse, ErrorReply {

    /** The wire type of this message. */
    default MessageType messageType() {
        return MessageType.of(this);
    }
}
