package dev.sovra.model.network;

/** An inclusive TCP/UDP destination port range. */
public record PortRange(int min, int max) {
    public static final PortRange ALL = new PortRange(1, 65535);

    public PortRange {
        if (min < 1 || max > 65535 || min > max) {
            throw new IllegalArgumentException("port range must satisfy 1 <= min <= max <= 65535, was " + min + "-" + max);
        }
    }

    public static PortRange single(int port) {
        return new PortRange(port, port);
    }

    @Override
    public String toString() {
        return min == max ? Integer.toString(min) : min + "-" + max;
    }
}
