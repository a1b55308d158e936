package dev.sovra.controller.network;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IPv4/IPv6 addresses and CIDR blocks as numbers, parsed from literals only (never through DNS).
 * A {@link Block} is a prefix with its host bits cleared; addresses are blocks of /32 or /128.
 */
public final class Ip {
    private static final Pattern V4 = Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
    private static final Pattern HEX_GROUP = Pattern.compile("^[0-9a-fA-F]{1,4}$");

    private Ip() {}

    /** An IP family: its bit width. */
    public enum Family {
        V4(32), V6(128);

        public final int bits;

        Family(int bits) {
            this.bits = bits;
        }

        public BigInteger size() {
            return BigInteger.ONE.shiftLeft(bits);
        }
    }

    /** A CIDR block: first address (host bits zero) and prefix length. */
    public record Block(Family family, BigInteger base, int prefix) {
        public BigInteger size() {
            return BigInteger.ONE.shiftLeft(family.bits - prefix);
        }

        public BigInteger last() {
            return base.add(size()).subtract(BigInteger.ONE);
        }

        public boolean contains(BigInteger address) {
            return address.compareTo(base) >= 0 && address.compareTo(last()) <= 0;
        }

        /** True if other lies entirely within this block. */
        public boolean contains(Block other) {
            return other.family == family && contains(other.base) && contains(other.last());
        }

        public boolean overlaps(Block other) {
            return other.family == family && base.compareTo(other.last()) <= 0 && other.base.compareTo(last()) <= 0;
        }

        @Override
        public String toString() {
            return format(family, base) + "/" + prefix;
        }
    }

    /** The family and value of an address literal, or empty if text is not one. */
    public static Optional<Block> address(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Optional<BigInteger> v4 = parseV4(text);
        if (v4.isPresent()) {
            return Optional.of(new Block(Family.V4, v4.get(), 32));
        }
        return parseV6(text).map(v -> new Block(Family.V6, v, 128));
    }

    /** A CIDR literal {@code address/prefix}; host bits are cleared (10.1.0.5/16 is 10.1.0.0/16). */
    public static Optional<Block> cidr(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int slash = text.indexOf('/');
        if (slash < 0 || !text.substring(slash + 1).matches("\\d{1,3}")) {
            return Optional.empty();
        }
        Optional<Block> address = address(text.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        int prefix = Integer.parseInt(text.substring(slash + 1));
        Family family = address.get().family();
        if (prefix > family.bits) {
            return Optional.empty();
        }
        BigInteger mask = family.size().subtract(BigInteger.ONE).shiftRight(prefix).not();
        return Optional.of(new Block(family, address.get().base().and(mask).and(family.size().subtract(BigInteger.ONE)), prefix));
    }

    public static String format(Family family, BigInteger value) {
        if (family == Family.V4) {
            long v = value.longValue();
            return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = value.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        // RFC 5952: compress the longest run (at least two) of zero groups, the first one on ties.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    private static Optional<BigInteger> parseV4(String text) {
        if (!V4.matcher(text).matches()) {
            return Optional.empty();
        }
        long value = 0;
        for (String part : text.split("\\.")) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return Optional.of(BigInteger.valueOf(value));
    }

    private static Optional<BigInteger> parseV6(String text) {
        if (text.isEmpty() || text.length() > 45 || !text.contains(":")) {
            return Optional.empty();
        }
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return Optional.empty();
        }
        String head = doubleColon >= 0 ? text.substring(0, doubleColon) : text;
        String tail = doubleColon >= 0 ? text.substring(doubleColon + 2) : "";
        java.util.List<Integer> headGroups = new java.util.ArrayList<>();
        java.util.List<Integer> tailGroups = new java.util.ArrayList<>();
        if (!groups(head, headGroups, doubleColon < 0 || tail.isEmpty()) || !groups(tail, tailGroups, true)) {
            return Optional.empty();
        }
        int count = headGroups.size() + tailGroups.size();
        if (doubleColon >= 0 ? count > 7 : count != 8) {
            return Optional.empty();
        }
        BigInteger value = BigInteger.ZERO;
        for (int group : headGroups) {
            value = value.shiftLeft(16).or(BigInteger.valueOf(group));
        }
        value = value.shiftLeft(16 * (8 - count));
        for (int i = 0; i < tailGroups.size(); i++) {
            value = value.or(BigInteger.valueOf(tailGroups.get(i)).shiftLeft(16 * (tailGroups.size() - 1 - i)));
        }
        return Optional.of(value);
    }

    /** Reads colon-separated hex groups; the last one may be a dotted IPv4 address (two groups) when allowed. */
    private static boolean groups(String text, java.util.List<Integer> out, boolean ipv4Allowed) {
        if (text.isEmpty()) {
            return true;
        }
        String[] parts = text.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i == parts.length - 1 && ipv4Allowed && part.contains(".")) {
                Optional<BigInteger> v4 = parseV4(part);
                if (v4.isEmpty()) {
                    return false;
                }
                out.add(v4.get().intValue() >>> 16);
                out.add(v4.get().intValue() & 0xffff);
            } else if (HEX_GROUP.matcher(part).matches()) {
                out.add(Integer.parseInt(part, 16));
            } else {
                return false;
            }
        }
        return true;
    }

    private static final Block[] PRIVATE_V4 = {
        cidr("10.0.0.0/8").orElseThrow(), cidr("172.16.0.0/12").orElseThrow(), cidr("192.168.0.0/16").orElseThrow()};
    private static final Block ULA = cidr("fc00::/7").orElseThrow();

    /** RFC 1918 for IPv4, RFC 4193 (fc00::/7) for IPv6. */
    public static boolean isPrivate(Block block) {
        if (block.family() == Family.V6) {
            return ULA.contains(block);
        }
        for (Block range : PRIVATE_V4) {
            if (range.contains(block)) {
                return true;
            }
        }
        return false;
    }
}
