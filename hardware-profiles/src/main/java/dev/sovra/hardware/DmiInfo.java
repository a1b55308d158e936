package dev.sovra.hardware;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The SMBIOS/DMI identity of a machine, as Linux exposes it under {@code /sys/class/dmi/id}.
 *
 * <p>Every field is trimmed; an absent, unreadable or blank value is {@code null}. Reading never throws:
 * a machine without DMI (a Firecracker microVM, many ARM boards) yields {@link #isEmpty() an empty}
 * instance, which {@link ProfileCatalog#match(DmiInfo)} maps to the generic profile with a warning.
 */
public record DmiInfo(
        String sysVendor,
        String productName,
        String productVersion,
        String boardVendor,
        String boardName,
        String chassisVendor) {

    /** Where the Linux kernel exposes DMI data. */
    public static final Path HOST_DMI_DIRECTORY = Path.of("/sys/class/dmi/id");

    /** First word of the console line the test guest prints (see {@code scripts/build-test-guest.sh}). */
    public static final String GUEST_LINE_MARKER = "SOVRA-GUEST-DMI";

    private static final DmiInfo EMPTY = new DmiInfo(null, null, null, null, null, null);

    public DmiInfo {
        sysVendor = clean(sysVendor);
        productName = clean(productName);
        productVersion = clean(productVersion);
        boardVendor = clean(boardVendor);
        boardName = clean(boardName);
        chassisVendor = clean(chassisVendor);
    }

    /** A DmiInfo with every field {@code null}. */
    public static DmiInfo empty() {
        return EMPTY;
    }

    /** True when no field is known. */
    public boolean isEmpty() {
        return equals(EMPTY);
    }

    /** Reads this machine's DMI data from {@link #HOST_DMI_DIRECTORY}; never throws. */
    public static DmiInfo readHost() {
        return readFrom(HOST_DMI_DIRECTORY);
    }

    /**
     * Reads DMI data from a directory laid out like {@code /sys/class/dmi/id} (one file per field:
     * {@code sys_vendor}, {@code product_name}, {@code product_version}, {@code board_vendor},
     * {@code board_name}, {@code chassis_vendor}). A missing directory or file gives {@code null} fields;
     * never throws.
     */
    public static DmiInfo readFrom(Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            return EMPTY;
        }
        return new DmiInfo(
                readField(directory, "sys_vendor"),
                readField(directory, "product_name"),
                readField(directory, "product_version"),
                readField(directory, "board_vendor"),
                readField(directory, "board_name"),
                readField(directory, "chassis_vendor"));
    }

    /**
     * Parses the line a Sovra test guest prints on its console:
     * {@code SOVRA-GUEST-DMI sys_vendor=QEMU|product_name=Standard PC (i440FX + PIIX, 1996)|...}.
     *
     * <p>Anything before the marker (a kernel timestamp, console noise) and a trailing CR/LF are ignored.
     * Values may contain spaces, parentheses and {@code =}; they cannot contain {@code |} (the guest strips
     * it). An empty value is {@code null}; keys this version does not know are ignored.
     *
     * @throws IllegalArgumentException if the line has no marker, a field has no {@code =}, or a key repeats
     */
    public static DmiInfo parseGuestLine(String line) {
        if (line == null) {
            throw new IllegalArgumentException("not a " + GUEST_LINE_MARKER + " line: null");
        }
        int marker = line.indexOf(GUEST_LINE_MARKER);
        if (marker < 0) {
            throw new IllegalArgumentException("not a " + GUEST_LINE_MARKER + " line: " + line);
        }
        String body = line.substring(marker + GUEST_LINE_MARKER.length()).replaceAll("[\\r\\n]+$", "").strip();
        Map<String, String> fields = new LinkedHashMap<>();
        if (!body.isEmpty()) {
            for (String field : body.split("\\|", -1)) {
                int equals = field.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException(
                            "malformed field '" + field + "' in " + GUEST_LINE_MARKER + " line: " + line);
                }
                String key = field.substring(0, equals).strip().toLowerCase(Locale.ROOT);
                if (fields.put(key, field.substring(equals + 1)) != null) {
                    throw new IllegalArgumentException(
                            "field '" + key + "' repeats in " + GUEST_LINE_MARKER + " line: " + line);
                }
            }
        }
        return new DmiInfo(
                fields.get("sys_vendor"),
                fields.get("product_name"),
                fields.get("product_version"),
                fields.get("board_vendor"),
                fields.get("board_name"),
                fields.get("chassis_vendor"));
    }

    /** The inverse of {@link #parseGuestLine(String)}: a {@code SOVRA-GUEST-DMI ...} line, unknown fields empty. */
    public String toGuestLine() {
        return GUEST_LINE_MARKER
                + " sys_vendor=" + orEmpty(sysVendor)
                + "|product_name=" + orEmpty(productName)
                + "|product_version=" + orEmpty(productVersion)
                + "|board_vendor=" + orEmpty(boardVendor)
                + "|board_name=" + orEmpty(boardName)
                + "|chassis_vendor=" + orEmpty(chassisVendor);
    }

    /**
     * The fields profiles match on, as quoted {@code key="value"} pairs for logs and warnings, e.g.
     * {@code sys_vendor="Dell Inc." product_name="PowerEdge R650" product_version=- board_name="0ABCDE"}.
     */
    public String describe() {
        return "sys_vendor=" + quoted(sysVendor)
                + " product_name=" + quoted(productName)
                + " product_version=" + quoted(productVersion)
                + " board_name=" + quoted(boardName);
    }

    private static String readField(Path directory, String file) {
        try {
            // DMI strings are bytes from firmware; decode leniently (malformed bytes become U+FFFD).
            return new String(Files.readAllBytes(directory.resolve(file)), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException | InvalidPathException e) {
            return null;
        }
    }

    private static String clean(String value) {
        if (value == null) {
            return null;
        }
        String stripped = value.strip();
        return stripped.isEmpty() ? null : stripped;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String quoted(String value) {
        return value == null ? "-" : '"' + value.replace("\"", "\\\"") + '"';
    }
}
