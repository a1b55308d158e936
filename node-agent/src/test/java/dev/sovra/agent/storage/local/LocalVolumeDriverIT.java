package dev.sovra.agent.storage.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovra.agent.storage.DiskSource;
import dev.sovra.agent.storage.StorageException;
import dev.sovra.agent.storage.VolumeDriver;
import dev.sovra.agent.storage.VolumeDriverContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link LocalVolumeDriver} on real qemu-img and QEMU, in a temporary state directory. */
@Tag("system")
class LocalVolumeDriverIT extends VolumeDriverContract {

    private Path stateDir;
    private LocalVolumeDriver local;

    @Override
    protected VolumeDriver newDriver() throws Exception {
        stateDir = Files.createTempDirectory(Path.of("/var/tmp"), "sovra-local-volumes-");
        local = new LocalVolumeDriver(LocalVolumeDriverConfig.of(stateDir));
        return local;
    }

    @Override
    protected Drive drive(String uid) {
        return new Drive(local.volumeFile(uid).toString(), "qcow2");
    }

    @Override
    protected long allocatedBytes(String uid) throws Exception {
        return info(local.volumeFile(uid)).path("actual-size").asLong();
    }

    @Override
    protected void closeBackend() throws Exception {
        if (stateDir != null && Files.exists(stateDir)) {
            try (Stream<Path> walk = Files.walk(stateDir)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    void diskSourceIsTheQcow2FileOfTheVolume() {
        String uid = UUID.randomUUID().toString();
        assertEquals(new DiskSource.File(stateDir.resolve("volumes").resolve(uid + ".qcow2"), "qcow2"), driver.diskSource(uid));
    }

    @Test
    void filesAndDirectoriesHaveModesLibvirtsQemuCanUse() throws Exception {
        String image = imageWithPattern(GIB, 1);
        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);

        assertEquals("rwxr-x--x", mode(stateDir.resolve("volumes")));
        assertEquals("rwxr-x--x", mode(stateDir.resolve("images")));
        assertTrue(mode(stateDir).endsWith("x"), "others may pass through the state directory: " + mode(stateDir));
        assertEquals("rw-rw----", mode(local.volumeFile(clone)));
        assertEquals("r--r--r--", mode(local.imageFile(image)), "an image (a backing file) is read-only for everyone");
    }

    @Test
    void aCloneIsAnOverlayOnTheImageAndTheImageStandsAlone() throws Exception {
        String image = imageWithPattern(GIB, 2);
        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);

        JsonNode cloneInfo = info(local.volumeFile(clone));
        assertEquals(local.imageFile(image).toString(), cloneInfo.path("backing-filename").asText());
        assertEquals("qcow2", cloneInfo.path("backing-filename-format").asText());
        assertFalse(info(local.imageFile(image)).has("backing-filename"), "an image has no backing file");
    }

    @Test
    void leftoverTemporaryFilesAreNeverListedAndAreRemovedByTheNextCall() throws Exception {
        driver.ensureVolume(newVolume(), GIB, null); // makes the directories
        String volume = newVolume();
        String image = newImage();
        Path volumeTemp = stateDir.resolve("volumes").resolve(volume + ".qcow2.tmp");
        Path imageTemp = stateDir.resolve("images").resolve(image + ".qcow2.tmp");
        Files.writeString(volumeTemp, "half-made by a crashed agent");
        Files.writeString(imageTemp, "half-made by a crashed agent");

        assertFalse(driver.listVolumes().contains(volume));
        assertTrue(driver.volumeSize(volume).isEmpty());
        assertFalse(driver.listImages().contains(image));

        driver.ensureVolume(volume, GIB, null);
        driver.ensureImage(image, volume);
        assertFalse(Files.exists(volumeTemp));
        assertFalse(Files.exists(imageTemp));
        assertEquals(java.util.OptionalLong.of(GIB), driver.volumeSize(volume));

        String deletedVolume = newVolume();
        Path deletedTemp = stateDir.resolve("volumes").resolve(deletedVolume + ".qcow2.tmp");
        Files.writeString(deletedTemp, "half-made");
        driver.deleteVolume(deletedVolume);
        assertFalse(Files.exists(deletedTemp), "deleting a volume also removes its leftover");
    }

    @Test
    void filesTheDriverDoesNotOwnAreLeftAlone() throws Exception {
        driver.ensureVolume(newVolume(), GIB, null);
        String upper = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
        List<Path> foreign = List.of(stateDir.resolve("volumes").resolve("notes.qcow2"),
                stateDir.resolve("volumes").resolve(upper + ".qcow2"), stateDir.resolve("volumes").resolve("README"),
                stateDir.resolve("images").resolve("base.qcow2"));
        for (Path file : foreign) {
            Files.writeString(file, "not the driver's");
        }

        assertEquals(1, driver.listVolumes().size());
        assertTrue(driver.listImages().isEmpty());
        assertThrows(StorageException.class, () -> driver.deleteVolume(upper));
        for (String uid : driver.listVolumes()) {
            driver.deleteVolume(uid);
        }
        for (Path file : foreign) {
            assertTrue(Files.exists(file), file + " must be left alone");
        }
    }

    @Test
    void importRefusesFilesThatReferToOtherHostFiles() throws Exception {
        Path base = stateDir.resolve("base.qcow2");
        Path overlay = stateDir.resolve("overlay.qcow2");
        command(List.of("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M"));
        command(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", overlay.toString()));
        Path vmdk = stateDir.resolve("disk.vmdk");
        command(List.of("qemu-img", "create", "-q", "-f", "vmdk", vmdk.toString(), "16M"));

        String image = newImage();
        StorageException backing = assertThrows(StorageException.class, () -> driver.importImage(image, overlay, f -> { }));
        assertTrue(backing.getMessage().contains("backing"), backing.getMessage());
        StorageException format = assertThrows(StorageException.class, () -> driver.importImage(image, vmdk, f -> { }));
        assertTrue(format.getMessage().contains("vmdk"), format.getMessage());
        assertTrue(driver.imageSize(image).isEmpty());
        try (Stream<Path> files = Files.list(stateDir.resolve("images"))) {
            assertEquals(0, files.count(), "a refused import leaves no file");
        }
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static JsonNode info(Path file) throws Exception {
        return new ObjectMapper().readTree(command(List.of("qemu-img", "info", "-U", "--output=json", file.toString())));
    }
}
