package dev.sovra.model.network;

import java.util.regex.Pattern;

/** Dotted-quad IPv4 addresses as {@code int}s (what the OpenFlow matches and range checks need). */
public final class Ipv4 {
    private static final Pattern DOTTED = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private Ipv4() {
    }

    /** Parses {@code a.b.c.d}; rejects anything else (no leading zeros games, no hostnames). */
    public static int parse(String address) {
        if (address == null || !DOTTED.matcher(address).matches()) {
            throw new IllegalArgumentException("not an IPv4 address: " + address);
        }
        int value = 0;
        for (String part : address.split("\\.")) {
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + address);
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    public static String format(int address) {
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    /** The address in canonical form (so equal addresses compare equal as strings). */
    public static String canonical(String address) {
        return format(parse(address));
    }

    /** The netmask of a prefix length, e.g. 24 -> 0xffffff00. */
    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }
}
