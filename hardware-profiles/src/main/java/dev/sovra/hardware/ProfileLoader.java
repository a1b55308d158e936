package dev.sovra.hardware;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sovra.hardware.HardwareProfile.Cpu;
import dev.sovra.hardware.HardwareProfile.Disk;
import dev.sovra.hardware.HardwareProfile.Firmware;
import dev.sovra.hardware.HardwareProfile.Match;
import dev.sovra.hardware.HardwareProfile.Memory;
import dev.sovra.hardware.HardwareProfile.Nic;
import dev.sovra.hardware.HardwareProfile.Overcommit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Parses one profile YAML document and checks it against the schema. */
final class ProfileLoader {

    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern KEBAB_CASE = Pattern.compile("[a-z0-9]+(?:-[a-z0-9]+)*");
    private static final Pattern CPU_FEATURE = Pattern.compile("[a-z0-9_]+(?:\\|[a-z0-9_]+)*");
    private static final Pattern DRIVER = Pattern.compile("[A-Za-z0-9_-]+");

    private ProfileLoader() {
    }

    /**
     * @param source the file or resource name, used in every error message
     * @param fileName the file's own name ({@code foo.yaml}); the profile's {@code name} must equal its stem
     * @throws InvalidProfileException if the YAML is malformed or the profile violates the schema
     */
    static HardwareProfile parse(String source, String fileName, byte[] yaml) {
        HardwareProfile profile;
        try {
            profile = MAPPER.readValue(yaml, HardwareProfile.class);
        } catch (JsonProcessingException e) {
            throw new InvalidProfileException(source, List.of(describe(e)), e);
        } catch (IOException e) {
            throw new InvalidProfileException(source, List.of("unreadable: " + e.getMessage()), e);
        }
        if (profile == null) {
            throw new InvalidProfileException(source, List.of("empty document"));
        }
        List<String> problems = validate(profile, stem(fileName));
        if (!problems.isEmpty()) {
            throw new InvalidProfileException(source, problems);
        }
        return profile;
    }

    /** The file name without {@code .yaml} / {@code .yml}. */
    static String stem(String fileName) {
        if (fileName.endsWith(".yaml")) {
            return fileName.substring(0, fileName.length() - ".yaml".length());
        }
        if (fileName.endsWith(".yml")) {
            return fileName.substring(0, fileName.length() - ".yml".length());
        }
        return fileName;
    }

    /** Every schema violation of {@code profile}; empty when it is valid. */
    static List<String> validate(HardwareProfile profile, String expectedName) {
        List<String> problems = new ArrayList<>();
        String name = profile.name();
        if (isBlank(name)) {
            problems.add("name: missing");
        } else {
            if (!KEBAB_CASE.matcher(name).matches()) {
                problems.add("name: must be kebab-case (lower-case letters, digits, single hyphens), was '" + name + "'");
            }
            if (expectedName != null && !name.equals(expectedName)) {
                problems.add("name: must equal the file name '" + expectedName + "', was '" + name + "'");
            }
        }
        requireText(problems, "vendor", profile.vendor());
        requireText(problems, "model", profile.model());
        requireText(problems, "description", profile.description());

        boolean generic = profile.isGeneric();
        if (generic) {
            if (profile.match() != null) {
                problems.add("match: the generic profile is the fallback and must not have match rules");
            }
        } else {
            validateMatch(problems, profile.match());
        }
        if (profile.cpu() != null || !generic) {
            validateCpu(problems, profile.cpu());
        }
        if (profile.memory() != null || !generic) {
            validateMemory(problems, profile.memory());
        }
        if (profile.nics().isEmpty() && !generic) {
            problems.add("nics: at least one NIC group is required");
        }
        for (int i = 0; i < profile.nics().size(); i++) {
            validateNic(problems, "nics[" + i + "]", profile.nics().get(i));
        }
        if (profile.disks().isEmpty() && !generic) {
            problems.add("disks: at least one disk group is required");
        }
        for (int i = 0; i < profile.disks().size(); i++) {
            validateDisk(problems, "disks[" + i + "]", profile.disks().get(i));
        }
        validateFirmware(problems, profile.firmware());
        validateOvercommit(problems, profile.overcommit());
        return problems;
    }

    private static void validateMatch(List<String> problems, Match match) {
        if (match == null) {
            problems.add("match: missing (only the generic profile may omit it)");
            return;
        }
        if (isBlank(match.sysVendor())) {
            problems.add("match.sysVendor: missing");
        }
        if (isBlank(match.productName())) {
            problems.add("match.productName: missing");
        }
        checkRegex(problems, "match.sysVendor", match.sysVendor());
        checkRegex(problems, "match.productName", match.productName());
        checkRegex(problems, "match.productVersion", match.productVersion());
        checkRegex(problems, "match.boardName", match.boardName());
    }

    private static void checkRegex(List<String> problems, String field, String regex) {
        if (regex == null) {
            return;
        }
        if (regex.isBlank()) {
            problems.add(field + ": must not be blank (leave the rule out instead)");
            return;
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            problems.add(field + ": not a valid regular expression '" + regex + "': " + e.getDescription()
                    + " near index " + e.getIndex());
        }
    }

    private static void validateCpu(List<String> problems, Cpu cpu) {
        if (cpu == null) {
            problems.add("cpu: missing");
            return;
        }
        if (cpu.architecture() == null) {
            problems.add("cpu.architecture: missing (amd64 or arm64)");
        }
        positive(problems, "cpu.sockets", cpu.sockets());
        positive(problems, "cpu.coresPerSocket", cpu.coresPerSocket());
        positive(problems, "cpu.threadsPerCore", cpu.threadsPerCore());
        for (int i = 0; i < cpu.requiredFeatures().size(); i++) {
            String feature = cpu.requiredFeatures().get(i);
            if (feature == null || !CPU_FEATURE.matcher(feature).matches()) {
                problems.add("cpu.requiredFeatures[" + i + "]: must be /proc/cpuinfo flags in lower case, "
                        + "alternatives separated by '|', was '" + feature + "'");
            }
        }
    }

    private static void validateMemory(List<String> problems, Memory memory) {
        if (memory == null) {
            problems.add("memory: missing");
            return;
        }
        positive(problems, "memory.minGiB", memory.minGiB());
        if (memory.maxGiB() < memory.minGiB()) {
            problems.add("memory.maxGiB: must be >= memory.minGiB (" + memory.minGiB() + "), was " + memory.maxGiB());
        }
    }

    private static void validateNic(List<String> problems, String field, Nic nic) {
        if (nic == null) {
            problems.add(field + ": empty entry");
            return;
        }
        if (nic.role() == null) {
            problems.add(field + ".role: missing (management, storage or tenant)");
        }
        positive(problems, field + ".count", nic.count());
        positive(problems, field + ".speedGbps", nic.speedGbps());
        if (nic.driver() != null && !DRIVER.matcher(nic.driver()).matches()) {
            problems.add(field + ".driver: must be a kernel module name, was '" + nic.driver() + "'");
        }
    }

    private static void validateDisk(List<String> problems, String field, Disk disk) {
        if (disk == null) {
            problems.add(field + ": empty entry");
            return;
        }
        if (disk.role() == null) {
            problems.add(field + ".role: missing (os, ceph-osd or local)");
        }
        if (disk.media() == null) {
            problems.add(field + ".media: missing (nvme, ssd or hdd)");
        }
        positive(problems, field + ".count", disk.count());
        positive(problems, field + ".sizeGiB", disk.sizeGiB());
    }

    private static void validateFirmware(List<String> problems, Firmware firmware) {
        if (firmware == null) {
            problems.add("firmware: missing (write every flag, false where not required)");
        } else if (firmware.secureBoot() && !firmware.uefi()) {
            problems.add("firmware.secureBoot: requires firmware.uefi");
        }
    }

    private static void validateOvercommit(List<String> problems, Overcommit overcommit) {
        if (overcommit == null) {
            problems.add("overcommit: missing");
            return;
        }
        positiveRatio(problems, "overcommit.cpuRatio", overcommit.cpuRatio());
        positiveRatio(problems, "overcommit.memoryRatio", overcommit.memoryRatio());
    }

    private static void positive(List<String> problems, String field, int value) {
        if (value <= 0) {
            problems.add(field + ": must be > 0, was " + value + (value == 0 ? " (missing?)" : ""));
        }
    }

    private static void positiveRatio(List<String> problems, String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            problems.add(field + ": must be a finite number > 0, was " + value + (value == 0 ? " (missing?)" : ""));
        }
    }

    private static void requireText(List<String> problems, String field, String value) {
        if (isBlank(value)) {
            problems.add(field + ": missing");
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** Jackson's message with the field path and the YAML line, without Jackson's source excerpt. */
    private static String describe(JsonProcessingException e) {
        StringBuilder text = new StringBuilder();
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            text.append(path(mapping.getPath())).append(": ");
        }
        text.append(e.getOriginalMessage());
        JsonLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            text.append(" (line ").append(location.getLineNr()).append(", column ").append(location.getColumnNr()).append(')');
        }
        return text.toString();
    }

    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
