package dev.sovra.model.network;

/** The IP protocol a security group rule matches. */
public enum Protocol {
    ANY(-1),
    ICMP(1),
    TCP(6),
    UDP(17);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** The IP protocol number, -1 for {@link #ANY}. */
    public int number() {
        return number;
    }

    public boolean hasPorts() {
        return this == TCP || this == UDP;
    }
}
