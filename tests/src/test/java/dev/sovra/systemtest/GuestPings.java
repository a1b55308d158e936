package dev.sovra.systemtest;

import java.util.ArrayList;
import java.util.List;

/**
 * The test guest's ping report: booted with {@code sovra.ping=A,B}, it pings each address every round and prints
 * {@code SOVRA-GUEST-PING <addr> ok|fail} on its console (scripts/build-test-guest.sh).
 */
final class GuestPings {
    private GuestPings() {
    }

    /** The results ({@code ok}/{@code fail}) for {@code target} printed after console offset {@code from}. */
    static List<String> after(String console, String target, int from) {
        String marker = "SOVRA-GUEST-PING " + target + " ";
        List<String> results = new ArrayList<>();
        console.substring(Math.min(from, console.length())).lines().filter(l -> l.startsWith(marker)).forEach(l -> {
            String result = l.substring(marker.length()).trim();
            if (result.equals("ok") || result.equals("fail")) { // a line cut short by the read is not counted
                results.add(result);
            }
        });
        return results;
    }

    /** The last result, or null before the first. */
    static String last(List<String> results) {
        return results.isEmpty() ? null : results.get(results.size() - 1);
    }

    /** At least two results, the last two failures: the change has taken effect, not a single lost packet. */
    static boolean endsWithFails(List<String> results) {
        int n = results.size();
        return n >= 2 && results.get(n - 1).equals("fail") && results.get(n - 2).equals("fail");
    }
}
