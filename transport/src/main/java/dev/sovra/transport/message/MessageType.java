package dev.sovra.transport.message;

/**
 * Stable wire type codes. Codes are part of the protocol: never renumber, only add.
 */
public enum MessageType {
    HELLO(1, Hello.class),
    WELCOME(2, Welcome.class),
    DESIRED_STATE(3, DesiredState.class),
    ACK(4, Ack.class),
    OBSERVED_STATE(5, ObservedState.class),
    HEARTBEAT(6, Heartbeat.class),
    ENROL_REQUEST(7, EnrolRequest.class),
    ENROL_RESPONSE(8, EnrolResponse.class),
    ERROR_REPLY(9, ErrorReply.class);

    private static final MessageType[] BY_CODE = new MessageType[256];
    private static final ClassValue<MessageType> BY_CLASS = new ClassValue<>() {
        @Override
        protected MessageType computeValue(Class<?> type) {
            for (MessageType t : values()) {
                if (t.messageClass == type) {
                    return t;
                }
            }
            throw new IllegalArgumentException("not a message class: " + type.getName());
        }
    };

    static {
        for (MessageType t : values()) {
            if (BY_CODE[t.code & 0xff] != null) {
                throw new ExceptionInInitializerError("duplicate message type code " + t.code);
            }
            BY_CODE[t.code & 0xff] = t;
        }
    }

    private final byte code;
    private final Class<? extends Message> messageClass;

    MessageType(int code, Class<? extends Message> messageClass) {
        this.code = (byte) code;
        this.messageClass = messageClass;
    }

    /** The byte written on the wire. */
    public byte code() {
        return code;
    }

    public Class<? extends Message> messageClass() {
        return messageClass;
    }

    /** The type with this wire code, or {@code null} if the code is unknown. */
    public static MessageType fromCode(int code) {
        return (code & ~0xff) != 0 ? null : BY_CODE[code];
    }

    /** The type of a message instance. */
    public static MessageType of(Message message) {
        return BY_CLASS.get(message.getClass());
    }
}
