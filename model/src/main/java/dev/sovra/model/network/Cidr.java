package dev.sovra.model.network;

/**
 * An IPv4 network in CIDR notation, normalised to its network address ({@code 10.0.0.7/24} is refused: host bits
 * set usually mean a typo).
 */
public record Cidr(int network, int prefixLength) {

    public static final Cidr ANY = new Cidr(0, 0);

    public Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0-32: " + prefixLength);
        }
        if ((network & ~Ipv4.mask(prefixLength)) != 0) {
            throw new IllegalArgumentException("CIDR has host bits set: " + Ipv4.format(network) + "/" + prefixLength);
        }
    }

    /** Parses {@code a.b.c.d/n}; a bare address means {@code /32}. */
    public static Cidr parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("CIDR must not be null");
        }
        int slash = text.indexOf('/');
        try {
            if (slash < 0) {
                return new Cidr(Ipv4.parse(text), 32);
            }
            return new Cidr(Ipv4.parse(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR: " + text, e);
        }
    }

    public boolean contains(int address) {
        return (address & Ipv4.mask(prefixLength)) == network;
    }

    public boolean contains(String address) {
        return contains(Ipv4.parse(address));
    }

    public int netmask() {
        return Ipv4.mask(prefixLength);
    }

    public boolean overlaps(Cidr other) {
        int shorter = Math.min(prefixLength, other.prefixLength);
        return (network & Ipv4.mask(shorter)) == (other.network & Ipv4.mask(shorter));
    }

    @Override
    public String toString() {
        return Ipv4.format(network) + "/" + prefixLength;
    }
}
