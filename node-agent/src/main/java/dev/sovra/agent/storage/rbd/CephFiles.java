package dev.sovra.agent.storage.rbd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what the hypervisor needs from Ceph's own files: the monitors from ceph.conf's {@code mon_host}
 * and the user's key from its keyring. Both are INI files where Ceph treats spaces, dashes and underscores
 * in keys alike, and {@code #} or {@code ;} start a comment.
 */
final class CephFiles {
    private static final String LEGACY_PORT = "6789";

    private CephFiles() {
    }

    /**
     * The monitors as {@code host:port}, one per monitor: its msgr2 address when it has one, else its v1
     * address. {@code mon_host} is looked up in {@code [client.USER]}, {@code [client]}, then {@code [global]}.
     */
    static List<String> monitors(Path conf, String user) throws IOException {
        Map<String, Map<String, String>> sections = parse(conf);
        Optional<String> monHost = lookup(sections, "mon_host", "client." + user, "client", "global");
        if (monHost.isEmpty() || monHost.get().isBlank()) {
            throw new IOException(conf + " has no mon_host");
        }
        return parseMonHost(monHost.get());
    }

    /** The base64 key of {@code client.USER} in a keyring file. */
    static String key(Path keyring, String user) throws IOException {
        Map<String, Map<String, String>> sections = parse(keyring);
        return lookup(sections, "key", "client." + user)
                .filter(key -> !key.isBlank())
                .orElseThrow(() -> new IOException(keyring + " holds no key for client." + user));
    }

    /** {@code mon_host} as {@code host:port} per monitor; accepts address vectors, plain addresses and names. */
    static List<String> parseMonHost(String value) {
        List<String> monitors = new ArrayList<>();
        for (String token : splitTopLevel(value)) {
            if (token.startsWith("[") && (token.contains("v1:") || token.contains("v2:"))) {
                List<String> addresses = splitTopLevel(token.substring(1, token.length() - 1));
                String chosen = addresses.stream().filter(a -> a.startsWith("v2:")).findFirst()
                        .orElse(addresses.stream().filter(a -> a.startsWith("v1:")).findFirst().orElse(addresses.get(0)));
                monitors.add(withPort(stripTypeAndNonce(chosen)));
            } else {
                monitors.add(withPort(stripTypeAndNonce(token)));
            }
        }
        return List.copyOf(monitors);
    }

    private static List<String> splitTopLevel(String value) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (char c : value.toCharArray()) {
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            }
            if (depth == 0 && (c == ',' || c == ';' || Character.isWhitespace(c))) {
                if (current.length() > 0) {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    private static String stripTypeAndNonce(String address) {
        String a = address.startsWith("v1:") || address.startsWith("v2:") ? address.substring(3) : address;
        int slash = a.indexOf('/');
        return slash < 0 ? a : a.substring(0, slash);
    }

    private static String withPort(String address) {
        boolean hasPort = address.startsWith("[")
                ? address.indexOf("]:") > 0
                : address.indexOf(':') > 0 && address.indexOf(':') == address.lastIndexOf(':');
        return hasPort ? address : address + ":" + LEGACY_PORT;
    }

    private static Optional<String> lookup(Map<String, Map<String, String>> sections, String key, String... order) {
        for (String section : order) {
            String value = sections.getOrDefault(section, Map.of()).get(key);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static Map<String, Map<String, String>> parse(Path file) throws IOException {
        Map<String, Map<String, String>> sections = new HashMap<>();
        Map<String, String> current = sections.computeIfAbsent("global", s -> new HashMap<>());
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String line = stripComment(raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1).strip(), s -> new HashMap<>());
                continue;
            }
            int equals = line.indexOf('=');
            if (equals > 0) {
                String key = line.substring(0, equals).strip().toLowerCase(Locale.ROOT).replaceAll("[ _-]+", "_");
                current.put(key, unquote(line.substring(equals + 1).strip()));
            }
        }
        return sections;
    }

    private static String stripComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == '#' || c == ';') && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }
}
