package dev.sovra.hardware;

import dev.sovra.hardware.HardwareProfile.Match;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The set of known hardware profiles and the matcher from DMI data to one of them. Immutable and
 * thread-safe.
 *
 * <p>The built-in catalogue is the {@code hardware-profiles/profiles/} folder of the source tree, packaged
 * into this jar under {@value #RESOURCE_DIRECTORY} and listed in its {@value #INDEX} file. Every profile is
 * validated on load; a broken one fails the load with an {@link InvalidProfileException} that names the
 * file.
 */
public final class ProfileCatalog {
    private static final Logger log = LoggerFactory.getLogger(ProfileCatalog.class);

    /** Classpath folder of the built-in profiles. */
    public static final String RESOURCE_DIRECTORY = "dev/sovra/hardware/profiles/";
    /** File in {@link #RESOURCE_DIRECTORY} that lists the built-in profile files, one per line. */
    public static final String INDEX = "index.txt";

    /** Best first: higher priority, then more rules, then name (so the choice is deterministic). */
    private static final Comparator<Candidate> BEST_FIRST = Comparator
            .comparingInt((Candidate candidate) -> candidate.profile().match().priority()).reversed()
            .thenComparing(Comparator.comparingInt((Candidate candidate) -> candidate.profile().match().specificity()).reversed())
            .thenComparing(candidate -> candidate.profile().name());

    private static volatile ProfileCatalog builtin;

    private final Map<String, HardwareProfile> profiles;
    private final List<Candidate> candidates;
    private final HardwareProfile generic;

    private ProfileCatalog(Collection<HardwareProfile> profiles, String origin) {
        Map<String, HardwareProfile> byName = new TreeMap<>();
        List<Candidate> matchable = new ArrayList<>();
        for (HardwareProfile profile : profiles) {
            byName.put(profile.name(), profile);
            if (profile.match() != null) {
                matchable.add(Candidate.of(profile));
            }
        }
        this.generic = byName.get(HardwareProfile.GENERIC);
        if (generic == null) {
            throw new InvalidProfileException(origin, List.of("no '" + HardwareProfile.GENERIC + "' profile"));
        }
        this.profiles = Collections.unmodifiableMap(byName);
        this.candidates = List.copyOf(matchable);
    }

    /**
     * The profiles packaged with Sovra. Loaded and validated once, then shared.
     *
     * @throws InvalidProfileException if a packaged profile is broken (a build defect)
     */
    public static ProfileCatalog builtin() {
        ProfileCatalog catalog = builtin;
        if (catalog == null) {
            synchronized (ProfileCatalog.class) {
                catalog = builtin;
                if (catalog == null) {
                    catalog = loadBuiltin();
                    builtin = catalog;
                }
            }
        }
        return catalog;
    }

    /**
     * The built-in profiles merged with the {@code *.yaml} / {@code *.yml} files of an operator's
     * directory: a file whose profile has the name of a built-in one replaces it (including
     * {@code generic}); others are added.
     *
     * @throws InvalidProfileException if the directory is unreadable, a file is broken, or two files
     *         define the same name; the message names the file(s)
     */
    public static ProfileCatalog load(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new InvalidProfileException(directory.toString(), List.of("not a directory"));
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.{yaml,yml}")) {
            for (Path file : stream) {
                if (!file.getFileName().toString().startsWith(".") && Files.isRegularFile(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new InvalidProfileException(directory.toString(), List.of("unreadable: " + e), e);
        }
        files.sort(Comparator.naturalOrder());

        Map<String, Path> definedBy = new LinkedHashMap<>();
        Map<String, HardwareProfile> merged = new LinkedHashMap<>(builtin().profiles);
        for (Path file : files) {
            byte[] yaml;
            try {
                yaml = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new InvalidProfileException(file.toString(), List.of("unreadable: " + e), e);
            }
            HardwareProfile profile = ProfileLoader.parse(file.toString(), file.getFileName().toString(), yaml);
            Path earlier = definedBy.putIfAbsent(profile.name(), file);
            if (earlier != null) {
                throw new InvalidProfileException(file.toString(),
                        List.of("name: '" + profile.name() + "' is already defined by " + earlier));
            }
            if (merged.put(profile.name(), profile) != null) {
                log.info("hardware profile overrides built-in profile={} file={}", profile.name(), file);
            }
        }
        ProfileCatalog catalog = new ProfileCatalog(merged.values(), directory.toString());
        log.info("hardware profiles loaded directory={} files={} profiles={}", directory, files.size(), catalog.profiles.size());
        return catalog;
    }

    /** All profiles, sorted by name. */
    public List<HardwareProfile> profiles() {
        return List.copyOf(profiles.values());
    }

    public Optional<HardwareProfile> byName(String name) {
        return Optional.ofNullable(profiles.get(name));
    }

    /** The fallback profile. */
    public HardwareProfile generic() {
        return generic;
    }

    /**
     * The best profile for a machine: among the profiles whose rules all match, the highest
     * {@code priority}, then the most rules, then the first by name (with a warning on such a tie). No DMI
     * data or no match gives the generic profile with a warning saying what was read. Never throws.
     *
     * @param dmi the machine's DMI data; {@code null} is treated as empty
     */
    public ProfileMatch match(DmiInfo dmi) {
        DmiInfo facts = dmi == null ? DmiInfo.empty() : dmi;
        if (facts.sysVendor() == null && facts.productName() == null) {
            return new ProfileMatch(generic, true, List.of(
                    "no DMI data (sys_vendor and product_name unknown; /sys/class/dmi/id absent or empty): "
                            + "using hardware profile " + generic.name()));
        }
        List<Candidate> hits = new ArrayList<>();
        for (Candidate candidate : candidates) {
            if (candidate.matches(facts)) {
                hits.add(candidate);
            }
        }
        if (hits.isEmpty()) {
            return new ProfileMatch(generic, true, List.of(
                    "no profile matches " + facts.describe() + ": using hardware profile " + generic.name()));
        }
        hits.sort(BEST_FIRST);
        HardwareProfile best = hits.get(0).profile();
        List<String> warnings = new ArrayList<>();
        for (Candidate other : hits.subList(1, hits.size())) {
            Match match = other.profile().match();
            if (match.priority() == best.match().priority() && match.specificity() == best.match().specificity()) {
                warnings.add("DMI " + facts.describe() + " also matches profile " + other.profile().name()
                        + " with the same priority " + match.priority() + " and specificity " + match.specificity()
                        + ": chose " + best.name() + " by name; raise the priority of the intended profile");
            }
        }
        return new ProfileMatch(best, false, warnings);
    }

    private static ProfileCatalog loadBuiltin() {
        String indexResource = RESOURCE_DIRECTORY + INDEX;
        List<String> files = new ArrayList<>();
        try (InputStream in = resource(indexResource)) {
            if (in == null) {
                throw new InvalidProfileException("classpath:" + indexResource, List.of("missing from the classpath"));
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String entry = line.strip();
                if (!entry.isEmpty() && !entry.startsWith("#")) {
                    files.add(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath:" + indexResource, e);
        }

        Map<String, HardwareProfile> byName = new LinkedHashMap<>();
        for (String file : files) {
            String source = "classpath:" + RESOURCE_DIRECTORY + file;
            byte[] yaml;
            try (InputStream in = resource(RESOURCE_DIRECTORY + file)) {
                if (in == null) {
                    throw new InvalidProfileException(source, List.of("listed in " + INDEX + " but missing from the classpath"));
                }
                yaml = in.readAllBytes();
            } catch (IOException e) {
                throw new InvalidProfileException(source, List.of("unreadable: " + e), e);
            }
            HardwareProfile profile = ProfileLoader.parse(source, file, yaml);
            if (byName.put(profile.name(), profile) != null) {
                throw new InvalidProfileException(source, List.of("name: '" + profile.name() + "' is listed twice in " + INDEX));
            }
        }
        ProfileCatalog catalog = new ProfileCatalog(byName.values(), "classpath:" + indexResource);
        log.debug("built-in hardware profiles loaded profiles={}", catalog.profiles.keySet());
        return catalog;
    }

    private static InputStream resource(String name) {
        ClassLoader loader = ProfileCatalog.class.getClassLoader();
        return loader != null ? loader.getResourceAsStream(name) : ClassLoader.getSystemResourceAsStream(name);
    }

    /** A profile with its rules compiled. */
    private record Candidate(HardwareProfile profile, Pattern sysVendor, Pattern productName,
                             Pattern productVersion, Pattern boardName) {

        static Candidate of(HardwareProfile profile) {
            Match match = profile.match();
            return new Candidate(profile, compile(match.sysVendor()), compile(match.productName()),
                    compile(match.productVersion()), compile(match.boardName()));
        }

        /** All given rules match the whole value; a rule on an unknown value never matches. */
        boolean matches(DmiInfo dmi) {
            return rule(sysVendor, dmi.sysVendor())
                    && rule(productName, dmi.productName())
                    && rule(productVersion, dmi.productVersion())
                    && rule(boardName, dmi.boardName());
        }

        private static boolean rule(Pattern pattern, String value) {
            return pattern == null || (value != null && pattern.matcher(value).matches());
        }

        private static Pattern compile(String regex) {
            return regex == null ? null : Pattern.compile(regex);
        }
    }
}
