package dev.sovra.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DmiInfoTest {

    private static final String I440FX_LINE = "SOVRA-GUEST-DMI sys_vendor=QEMU|product_name=Standard PC (i440FX + PIIX, 1996)"
            + "|product_version=pc-i440fx-7.2|board_vendor=|board_name=|chassis_vendor=QEMU";

    @Test
    void parsesGuestLineWithSpacesAndParentheses() {
        DmiInfo dmi = DmiInfo.parseGuestLine(I440FX_LINE);

        assertEquals(new DmiInfo("QEMU", "Standard PC (i440FX + PIIX, 1996)", "pc-i440fx-7.2", null, null, "QEMU"), dmi);
    }

    @Test
    void guestLineRoundTrips() {
        String q35 = "SOVRA-GUEST-DMI sys_vendor=QEMU|product_name=Standard PC (Q35 + ICH9, 2009)"
                + "|product_version=pc-q35-7.2|board_vendor=Canonical Ltd.|board_name=LXD (Q35) = v2|chassis_vendor=QEMU";

        DmiInfo dmi = DmiInfo.parseGuestLine(q35);

        assertEquals("LXD (Q35) = v2", dmi.boardName());
        assertEquals(q35, dmi.toGuestLine());
        assertEquals(I440FX_LINE, DmiInfo.parseGuestLine(I440FX_LINE).toGuestLine());
        assertEquals(dmi, DmiInfo.parseGuestLine(dmi.toGuestLine()));
    }

    @Test
    void guestLineToleratesConsoleNoiseAndIgnoresUnknownKeys() {
        DmiInfo dmi = DmiInfo.parseGuestLine(
                "[    2.104518] SOVRA-GUEST-DMI  sys_vendor=QEMU |product_name=Standard PC (Q35 + ICH9, 2009)|bios_date=04/01/2014\r\n");

        assertEquals("QEMU", dmi.sysVendor());
        assertEquals("Standard PC (Q35 + ICH9, 2009)", dmi.productName());
        assertNull(dmi.productVersion());
        assertNull(dmi.chassisVendor());
    }

    @Test
    void rejectsLinesThatAreNotGuestDmiLines() {
        assertThrows(IllegalArgumentException.class, () -> DmiInfo.parseGuestLine("Booting Linux ..."));
        assertThrows(IllegalArgumentException.class, () -> DmiInfo.parseGuestLine(null));
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> DmiInfo.parseGuestLine("SOVRA-GUEST-DMI sys_vendor=QEMU|garbage"));
        assertTrue(broken.getMessage().contains("'garbage'"), broken.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DmiInfo.parseGuestLine("SOVRA-GUEST-DMI sys_vendor=QEMU|sys_vendor=Dell Inc."));
    }

    @Test
    void readsSysfsDirectoryAndLeavesMissingFilesNull(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("sys_vendor"), "Dell Inc.\n");
        Files.writeString(dir.resolve("product_name"), "PowerEdge R650\n");
        Files.writeString(dir.resolve("product_version"), "\n");
        Files.writeString(dir.resolve("board_name"), "0Y2G81\n");

        DmiInfo dmi = DmiInfo.readFrom(dir);

        assertEquals(new DmiInfo("Dell Inc.", "PowerEdge R650", null, null, "0Y2G81", null), dmi);
    }

    @Test
    void missingDirectoryGivesEmptyInfo(@TempDir Path dir) {
        assertTrue(DmiInfo.readFrom(dir.resolve("absent")).isEmpty());
        assertTrue(DmiInfo.readFrom(null).isEmpty());
    }

    @Test
    void hostWithoutDmiReadsEmptyAndMatchesGeneric() {
        assumeFalse(Files.isDirectory(DmiInfo.HOST_DMI_DIRECTORY), "this host has DMI data");

        DmiInfo dmi = DmiInfo.readHost();
        ProfileMatch match = ProfileCatalog.builtin().match(dmi);

        assertEquals(DmiInfo.empty(), dmi);
        assertTrue(match.generic());
        assertEquals(HardwareProfile.GENERIC, match.profile().name());
        assertEquals(1, match.warnings().size());
        assertTrue(match.warnings().get(0).contains("no DMI data"), match.warnings().get(0));
    }

    @Test
    void describeQuotesValuesAndMarksUnknownOnes() {
        DmiInfo dmi = new DmiInfo("Acme \"Servers\"", "X 1", null, null, null, null);

        assertEquals("sys_vendor=\"Acme \\\"Servers\\\"\" product_name=\"X 1\" product_version=- board_name=-", dmi.describe());
    }
}
