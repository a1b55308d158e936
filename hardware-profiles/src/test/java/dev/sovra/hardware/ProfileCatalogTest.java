package dev.sovra.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.hardware.HardwareProfile.Architecture;
import dev.sovra.hardware.HardwareProfile.NicRole;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProfileCatalogTest {

    /** The source folder of the catalogue (surefire runs in the module directory). */
    private static final Path SOURCE_FOLDER = Path.of("profiles");

    private final ProfileCatalog catalog = ProfileCatalog.builtin();

    @Test
    void everyPackagedProfileLoadsAndValidates() throws IOException {
        List<String> names = catalog.profiles().stream().map(HardwareProfile::name).toList();

        assertEquals(List.of("dell-poweredge-r650", "generic", "hpe-proliant-dl360-gen10-plus",
                "lenovo-thinksystem-sr630-v2", "qemu-standard-pc", "supermicro-sys-1029u"), names);
        for (HardwareProfile profile : catalog.profiles()) {
            assertEquals(List.of(), ProfileLoader.validate(profile, profile.name()), profile.name());
            assertTrue(profile.overcommit().cpuRatio() > 0 && profile.overcommit().memoryRatio() > 0, profile.name());
            if (!profile.isGeneric()) {
                assertNotNull(profile.match(), profile.name());
                assertEquals(Architecture.AMD64, profile.cpu().architecture(), profile.name());
                assertTrue(profile.nics().stream().anyMatch(nic -> nic.role() == NicRole.MANAGEMENT), profile.name());
            }
        }
        assertTrue(catalog.byName("generic").orElseThrow().isGeneric());
        assertEquals(catalog.generic(), catalog.byName(HardwareProfile.GENERIC).orElseThrow());
        assertTrue(catalog.byName("no-such-model").isEmpty());
    }

    @Test
    void packagedIndexListsExactlyTheFilesOfTheSourceFolder() throws IOException {
        List<String> indexed;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(ProfileCatalog.RESOURCE_DIRECTORY + ProfileCatalog.INDEX)) {
            assertNotNull(in, "index packaged");
            indexed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).sorted().toList();
        }
        List<String> files;
        try (Stream<Path> list = Files.list(SOURCE_FOLDER)) {
            files = list.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".yaml"))
                    .sorted().collect(Collectors.toList());
        }
        assertEquals(files, indexed);
    }

    @Test
    void realServerModelsStatedAsTypical() throws IOException {
        for (HardwareProfile profile : catalog.profiles()) {
            if (!profile.isGeneric() && !profile.name().startsWith("qemu")) {
                String yaml = Files.readString(SOURCE_FOLDER.resolve(profile.name() + ".yaml"));
                assertTrue(yaml.contains("typical configuration"), profile.name());
                assertEquals(2, profile.cpu().sockets(), profile.name());
                assertEquals(4.0, profile.overcommit().cpuRatio(), profile.name());
                assertEquals(1.0, profile.overcommit().memoryRatio(), profile.name());
                assertTrue(profile.cpu().requiredFeatures().contains("vmx") || profile.cpu().requiredFeatures().contains("vmx|svm"));
                assertTrue(profile.firmware().virtualization(), profile.name());
            }
        }
    }

    @ParameterizedTest(name = "{0} / {1} / {3} -> {4}")
    @CsvSource(delimiter = ';', value = {
        "Dell Inc.;PowerEdge R650;;0Y2G81;dell-poweredge-r650",
        "HPE;ProLiant DL360 Gen10 Plus;;ProLiant DL360 Gen10 Plus;hpe-proliant-dl360-gen10-plus",
        "Lenovo;ThinkSystem SR630 V2 -[7Z71CTO1WW]-;ThinkSystem SR630 V2;7Z71CTO1WW;lenovo-thinksystem-sr630-v2",
        "Lenovo;ThinkSystem SR630 V2;;;lenovo-thinksystem-sr630-v2",
        "Supermicro;SYS-1029U-TN10RT;0123456789;X11DPU;supermicro-sys-1029u",
        "Supermicro;Super Server;0123456789;X11DPU;supermicro-sys-1029u",
        "QEMU;Standard PC (i440FX + PIIX, 1996);pc-i440fx-7.2;;qemu-standard-pc",
        "QEMU;Standard PC (Q35 + ICH9, 2009);pc-q35-8.2;;qemu-standard-pc",
    })
    void dmiOfEachModelMatchesItsProfile(String sysVendor, String productName, String productVersion, String boardName,
                                         String expected) {
        ProfileMatch match = catalog.match(new DmiInfo(sysVendor, productName, productVersion, sysVendor, boardName, sysVendor));

        assertEquals(expected, match.profile().name());
        assertFalse(match.generic());
        assertEquals(List.of(), match.warnings());
    }

    @ParameterizedTest(name = "{0} / {1} / {2} -> generic")
    @CsvSource(delimiter = ';', value = {
        "Dell Inc.;PowerEdge R650xs;",
        "Dell Inc.;PowerEdge R640;",
        "HPE;ProLiant DL360 Gen10;",
        "Lenovo;ThinkSystem SR630 -[7X02CTO1WW]-;",
        "Supermicro;Super Server;X11DPH-T",
        "Supermicro;SYS-1029U-TN10RT;",
        "QEMU;QEMU Virtual Machine;",
        "Acme Computers;Rack 9000;",
    })
    void similarButUnsupportedModelsFallBackToGeneric(String sysVendor, String productName, String boardName) {
        ProfileMatch match = catalog.match(new DmiInfo(sysVendor, productName, null, null, boardName, null));

        assertTrue(match.generic());
        assertEquals("generic", match.profile().name());
        assertEquals(1, match.warnings().size());
        String warning = match.warnings().get(0);
        assertTrue(warning.startsWith("no profile matches sys_vendor=\"" + sysVendor + "\" product_name=\"" + productName + "\""), warning);
    }

    @Test
    void qemuGuestConsoleLinesMatchQemuProfile() {
        for (String line : List.of(
                "SOVRA-GUEST-DMI sys_vendor=QEMU|product_name=Standard PC (i440FX + PIIX, 1996)|product_version=pc-i440fx-7.2|board_vendor=|board_name=|chassis_vendor=QEMU",
                "SOVRA-GUEST-DMI sys_vendor=QEMU|product_name=Standard PC (Q35 + ICH9, 2009)|product_version=pc-q35-7.2|board_vendor=|board_name=|chassis_vendor=QEMU")) {
            ProfileMatch match = catalog.match(DmiInfo.parseGuestLine(line));

            assertEquals("qemu-standard-pc", match.profile().name(), line);
            assertFalse(match.generic());
            assertEquals(List.of(), match.profile().cpu().requiredFeatures(), "QEMU runs under TCG: no required CPU flags");
            assertFalse(match.profile().firmware().virtualization());
        }
    }

    @Test
    void noDmiDataGivesGenericWithWarning() {
        for (DmiInfo dmi : new DmiInfo[] {DmiInfo.empty(), null, new DmiInfo(" ", "", null, "x", "y", "z")}) {
            ProfileMatch match = catalog.match(dmi);

            assertTrue(match.generic());
            assertEquals("generic", match.profile().name());
            assertEquals(1, match.warnings().size());
            assertTrue(match.warnings().get(0).startsWith("no DMI data"), match.warnings().get(0));
        }
    }

    @Test
    void genericProfileIsConservativeAndRequiresNothing() {
        HardwareProfile generic = catalog.generic();

        assertEquals(null, generic.match());
        assertEquals(List.of(), generic.nics());
        assertEquals(List.of(), generic.disks());
        assertFalse(generic.firmware().uefi() || generic.firmware().virtualization() || generic.firmware().iommu()
                || generic.firmware().secureBoot() || generic.firmware().sriov());
        assertTrue(generic.overcommit().cpuRatio() < 4.0);
        assertTrue(generic.overcommit().memoryRatio() <= 1.0);
    }

    @Test
    void operatorDirectoryAddsAndOverridesProfiles(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("acme-rack-9000.yaml"), profileYaml("acme-rack-9000", "'Acme Computers'", "'Rack 9000'", "", 0, 3.0));
        Files.writeString(dir.resolve("generic.yaml"), """
                name: generic
                vendor: any
                model: any
                description: stricter fallback
                firmware: {uefi: false, secureBoot: false, virtualization: false, iommu: false, sriov: false}
                overcommit: {cpuRatio: 1.0, memoryRatio: 1.0}
                """);
        Files.writeString(dir.resolve("notes.txt"), "not a profile");

        ProfileCatalog merged = ProfileCatalog.load(dir);

        assertEquals(catalog.profiles().size() + 1, merged.profiles().size());
        assertEquals(1.0, merged.generic().overcommit().cpuRatio());
        assertEquals("acme-rack-9000", merged.match(new DmiInfo("Acme Computers", "Rack 9000", null, null, null, null)).profile().name());
        assertEquals("dell-poweredge-r650", merged.match(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, null, null)).profile().name());
        assertEquals(2.0, ProfileCatalog.builtin().generic().overcommit().cpuRatio(), "built-in catalogue untouched");
    }

    @Test
    void higherPriorityWins(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("dell-gpu.yaml"), profileYaml("dell-gpu", "'Dell Inc\\.'", "'PowerEdge R6.0'", "", 5, 3.0));

        ProfileMatch match = ProfileCatalog.load(dir).match(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, "0Y2G81", null));

        assertEquals("dell-gpu", match.profile().name());
        assertEquals(List.of(), match.warnings());
    }

    @Test
    void moreRulesWinAtEqualPriority(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("dell-board.yaml"),
                profileYaml("dell-board", "'Dell Inc\\.'", "'PowerEdge R650'", "  boardName: '0Y2G81'\n", 0, 3.0));
        ProfileCatalog merged = ProfileCatalog.load(dir);

        ProfileMatch specific = merged.match(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, "0Y2G81", null));
        assertEquals("dell-board", specific.profile().name());
        assertEquals(List.of(), specific.warnings());

        ProfileMatch otherBoard = merged.match(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, "0ABCDE", null));
        assertEquals("dell-poweredge-r650", otherBoard.profile().name());

        ProfileMatch noBoard = merged.match(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, null, null));
        assertEquals("dell-poweredge-r650", noBoard.profile().name(), "a rule on an unknown value never matches");
    }

    @Test
    void fullTieIsDecidedByNameWithWarning(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("dell-a-twin.yaml"), profileYaml("dell-a-twin", "'Dell Inc\\.'", "'PowerEdge R65.'", "", 0, 3.0));

        ProfileMatch tie = ProfileCatalog.load(dir).match(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, null, null));

        assertEquals("dell-a-twin", tie.profile().name());
        assertFalse(tie.generic());
        assertEquals(1, tie.warnings().size());
        assertTrue(tie.warnings().get(0).contains("also matches profile dell-poweredge-r650"), tie.warnings().get(0));
    }

    @Test
    void malformedYamlFailsNamingTheFile(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken-box.yaml");
        Files.writeString(broken, "name: broken-box\nvendor: [unclosed\nmodel: x\n");

        InvalidProfileException e = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));

        assertEquals(broken.toString(), e.source());
        assertTrue(e.getMessage().contains("broken-box.yaml"), e.getMessage());
    }

    @Test
    void schemaViolationsAreAllReportedWithTheFileName(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad-box.yaml");
        Files.writeString(bad, """
                name: Bad_Box
                vendor: Acme
                model: Box
                description: every mistake at once
                match:
                  sysVendor: 'Acme'
                  productName: 'Box (unclosed'
                cpu: {architecture: amd64, sockets: 0, coresPerSocket: 8, threadsPerCore: 2, requiredFeatures: [VMX]}
                memory: {minGiB: 64, maxGiB: 32}
                nics: [{role: tenant, count: 2, speedGbps: 25}]
                disks: [{role: os, count: 1, media: ssd, sizeGiB: 100}]
                firmware: {uefi: false, secureBoot: true, virtualization: true, iommu: false, sriov: false}
                overcommit: {cpuRatio: 0, memoryRatio: -1.5}
                """);

        InvalidProfileException e = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));

        assertTrue(e.getMessage().startsWith("invalid hardware profile " + bad), e.getMessage());
        String problems = String.join("\n", e.problems());
        for (String expected : List.of("name: must be kebab-case", "name: must equal the file name 'bad-box'",
                "match.productName: not a valid regular expression", "cpu.sockets: must be > 0",
                "cpu.requiredFeatures[0]", "memory.maxGiB", "firmware.secureBoot: requires firmware.uefi",
                "overcommit.cpuRatio: must be a finite number > 0", "overcommit.memoryRatio")) {
            assertTrue(problems.contains(expected), expected + " in\n" + problems);
        }
    }

    @Test
    void unknownRolesAndFieldsAreRejected(@TempDir Path dir) throws IOException {
        String valid = profileYaml("acme-box", "'Acme'", "'Box'", "", 0, 4.0);
        Path file = dir.resolve("acme-box.yaml");

        Files.writeString(file, valid.replace("role: tenant", "role: mgmt"));
        InvalidProfileException role = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(role.getMessage().contains("acme-box.yaml") && role.getMessage().contains("nics[0].role"), role.getMessage());

        Files.writeString(file, valid.replace("media: ssd", "media: tape"));
        InvalidProfileException media = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(media.getMessage().contains("disks[0].media"), media.getMessage());

        Files.writeString(file, valid.replace("sysVendor:", "sysvendor:"));
        InvalidProfileException typo = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(typo.getMessage().contains("sysvendor"), typo.getMessage());

        Files.writeString(file, valid + "vendor: Other\n");
        InvalidProfileException duplicate = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(duplicate.getMessage().contains("vendor"), duplicate.getMessage());

        Files.writeString(file, "");
        InvalidProfileException empty = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(empty.getMessage().contains("acme-box.yaml"), empty.getMessage());

        Files.writeString(file, valid.replace("overcommit: {cpuRatio: 4.0, memoryRatio: 1.0}\n", ""));
        InvalidProfileException missing = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(missing.problems().contains("overcommit: missing"), missing.getMessage());

        Files.writeString(file, valid);
        assertEquals("acme-box", ProfileCatalog.load(dir).byName("acme-box").orElseThrow().name());
    }

    @Test
    void twoFilesWithOneNameAndMissingDirectoryFail(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("acme-box.yaml"), profileYaml("acme-box", "'Acme'", "'Box'", "", 0, 4.0));
        Files.writeString(dir.resolve("acme-box.yml"), profileYaml("acme-box", "'Acme'", "'Box 2'", "", 0, 4.0));

        InvalidProfileException twice = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir));
        assertTrue(twice.getMessage().contains("already defined by"), twice.getMessage());

        InvalidProfileException absent = assertThrows(InvalidProfileException.class, () -> ProfileCatalog.load(dir.resolve("absent")));
        assertTrue(absent.getMessage().contains("absent"), absent.getMessage());
    }

    private static String profileYaml(String name, String sysVendor, String productName, String extraMatch, int priority,
                                      double cpuRatio) {
        return "name: " + name + "\n"
                + "vendor: Acme\n"
                + "model: Test\n"
                + "description: test profile\n"
                + "match:\n"
                + "  sysVendor: " + sysVendor + "\n"
                + "  productName: " + productName + "\n"
                + extraMatch
                + "  priority: " + priority + "\n"
                + "cpu: {architecture: amd64, sockets: 1, coresPerSocket: 8, threadsPerCore: 2, requiredFeatures: ['vmx|svm']}\n"
                + "memory: {minGiB: 32, maxGiB: 256}\n"
                + "nics: [{role: tenant, count: 2, speedGbps: 10}]\n"
                + "disks: [{role: os, count: 1, media: ssd, sizeGiB: 240}]\n"
                + "firmware: {uefi: true, secureBoot: false, virtualization: true, iommu: false, sriov: false}\n"
                + "overcommit: {cpuRatio: " + cpuRatio + ", memoryRatio: 1.0}\n";
    }
}
