package dev.sovra.hardware;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One supported server model: how to recognise it (DMI rules) and what it is expected to look like.
 * Mirrors one YAML file of the catalogue; the schema is documented in {@code hardware-profiles/README.md}.
 *
 * <p>Instances returned by {@link ProfileCatalog} have been validated: every section is present and
 * consistent, except that the {@link #GENERIC generic} profile has no {@code match} and may leave
 * {@code cpu} and {@code memory} out ({@code null}) and {@code nics}/{@code disks} empty.
 *
 * @param name kebab-case identifier, equal to the file name without {@code .yaml}
 * @param match DMI rules; {@code null} only for the generic profile
 * @param cpu the typical CPU configuration and the CPU flags a host must have
 * @param memory the supported memory range
 * @param firmware the firmware settings a host of this model must have enabled
 * @param overcommit the scheduler's default overcommit ratios for this model
 */
public record HardwareProfile(
        String name,
        String vendor,
        String model,
        String description,
        Match match,
        Cpu cpu,
        Memory memory,
        List<Nic> nics,
        List<Disk> disks,
        Firmware firmware,
        Overcommit overcommit) {

    /** Name of the built-in fallback profile used when nothing matches. */
    public static final String GENERIC = "generic";

    public HardwareProfile {
        nics = immutable(nics);
        disks = immutable(disks);
    }

    /** True for the fallback profile. */
    public boolean isGeneric() {
        return GENERIC.equals(name);
    }

    /**
     * DMI rules. Each given rule is a Java regular expression that must match the whole (trimmed) DMI
     * value, case-sensitively unless it starts with {@code (?i)}; all given rules must match.
     *
     * @param sysVendor rule for {@code /sys/class/dmi/id/sys_vendor} (required)
     * @param productName rule for {@code product_name} (required)
     * @param productVersion optional rule for {@code product_version}
     * @param boardName optional rule for {@code board_name}
     * @param priority higher wins when several profiles match; built-in profiles use 0
     */
    public record Match(String sysVendor, String productName, String productVersion, String boardName, int priority) {

        /** How many rules are given (2 to 4): among equal priorities the more specific profile wins. */
        public int specificity() {
            int rules = 0;
            for (String rule : new String[] {sysVendor, productName, productVersion, boardName}) {
                if (rule != null) {
                    rules++;
                }
            }
            return rules;
        }
    }

    /**
     * @param requiredFeatures {@code /proc/cpuinfo} flags the host must have; {@code a|b} means either
     *        (e.g. {@code vmx|svm})
     */
    public record Cpu(
            Architecture architecture,
            int sockets,
            int coresPerSocket,
            int threadsPerCore,
            List<String> requiredFeatures) {

        public Cpu {
            requiredFeatures = immutable(requiredFeatures);
        }

        /** sockets x cores x threads of the typical configuration. */
        public int logicalCpus() {
            return sockets * coresPerSocket * threadsPerCore;
        }
    }

    /** @param minGiB the least memory the model is supported with; @param maxGiB the platform maximum */
    public record Memory(int minGiB, int maxGiB) {
    }

    /** @param driver the Linux kernel driver of the typical NIC ({@code null} when not stated) */
    public record Nic(NicRole role, int count, int speedGbps, String driver) {
    }

    public record Disk(DiskRole role, int count, DiskMedia media, int sizeGiB) {
    }

    /**
     * Firmware settings the model must be deployed with; {@code true} means "must be enabled",
     * {@code false} means "not required".
     *
     * @param virtualization VT-x / AMD-V enabled
     * @param iommu VT-d / AMD-Vi enabled
     */
    public record Firmware(boolean uefi, boolean secureBoot, boolean virtualization, boolean iommu, boolean sriov) {
    }

    /** Ratios of sellable vCPUs / guest memory to host logical CPUs / host memory; both {@code > 0}. */
    public record Overcommit(double cpuRatio, double memoryRatio) {
    }

    public enum Architecture {
        @JsonProperty("amd64") AMD64,
        @JsonProperty("arm64") ARM64
    }

    public enum NicRole {
        @JsonProperty("management") MANAGEMENT,
        @JsonProperty("storage") STORAGE,
        @JsonProperty("tenant") TENANT
    }

    public enum DiskRole {
        @JsonProperty("os") OS,
        @JsonProperty("ceph-osd") CEPH_OSD,
        @JsonProperty("local") LOCAL
    }

    public enum DiskMedia {
        @JsonProperty("nvme") NVME,
        @JsonProperty("ssd") SSD,
        @JsonProperty("hdd") HDD
    }

    /** An unmodifiable copy that keeps null elements, so validation can name them instead of an NPE here. */
    private static <T> List<T> immutable(List<T> list) {
        return list == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
    }
}
