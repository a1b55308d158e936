package dev.sovra.model.network;

import java.util.Locale;
import java.util.regex.Pattern;

/** Ethernet MAC address checks. */
public final class Mac {
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

    private Mac() {
    }

    /** The MAC in lower case; refuses malformed, multicast (group bit) and all-zero addresses. */
    public static String unicast(String mac, String what) {
        String lower = mac == null ? null : mac.toLowerCase(Locale.ROOT);
        if (lower == null || !MAC.matcher(lower).matches()) {
            throw new IllegalArgumentException(what + " needs a MAC address like 52:54:00:12:34:56, was " + mac);
        }
        if ((Integer.parseInt(lower.substring(0, 2), 16) & 1) != 0 || lower.equals("00:00:00:00:00:00")) {
            throw new IllegalArgumentException(what + " needs a unicast MAC address, was " + mac);
        }
        return lower;
    }
}
