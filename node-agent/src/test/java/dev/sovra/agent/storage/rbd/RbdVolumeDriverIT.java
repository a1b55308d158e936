package dev.sovra.agent.storage.rbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovra.agent.storage.DiskSource;
import dev.sovra.agent.storage.StorageException;
import dev.sovra.agent.storage.VolumeDriver;
import dev.sovra.agent.storage.VolumeDriverContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link RbdVolumeDriver} against the real Ceph cluster of scripts/ceph-setup.sh (pool {@code sovra}, user
 * {@code client.sovra}); skipped with the reason when the cluster is not there. Content is read and written
 * through QEMU's own rbd driver, as a guest would.
 */
@Tag("system")
class RbdVolumeDriverIT extends VolumeDriverContract {

    private static final Path CONF = Path.of("/etc/ceph/ceph.conf");
    private static final Path KEYRING = Path.of("/etc/ceph/ceph.client.sovra.keyring");
    private static final String POOL = "sovra";
    private static final String USER = "sovra";
    private static final String SECRET = "5c8e2f7a-3b1d-4e6f-9a0c-2d4b6f8e0a1c";

    private RbdVolumeDriver rbd;

    @Override
    protected VolumeDriver newDriver() {
        assumeTrue(Files.isReadable(KEYRING) && clusterAnswers(),
                "skipped: no Ceph cluster for client.sovra (pool sovra); run scripts/ceph-setup.sh up");
        rbd = new RbdVolumeDriver(config(KEYRING));
        return rbd;
    }

    private static RbdVolumeDriverConfig config(Path keyring) {
        return new RbdVolumeDriverConfig(CONF, POOL, USER, keyring, SECRET, null, null, null);
    }

    @Override
    protected Drive drive(String uid) {
        return new Drive(rbd.qemuTarget(RbdVolumeDriver.volumeName(uid)), "raw");
    }

    /** Objects of the image's data prefix that exist in the pool, times the object size. */
    @Override
    protected long allocatedBytes(String uid) throws Exception {
        JsonNode info = rbdInfo(RbdVolumeDriver.volumeName(uid));
        String prefix = info.path("block_name_prefix").asText() + ".";
        long objects = command(List.of("rados", "--id", USER, "-p", POOL, "ls")).lines().filter(o -> o.startsWith(prefix)).count();
        return objects * info.path("object_size").asLong();
    }

    @Test
    void diskSourceNamesPoolImageMonitorsAndTheSecret() throws Exception {
        String uid = UUID.randomUUID().toString();
        DiskSource.Rbd source = (DiskSource.Rbd) driver.diskSource(uid);

        assertEquals(POOL, source.pool());
        assertEquals("sovra-vol-" + uid, source.image());
        assertEquals(CephFiles.monitors(CONF, USER), source.monitors());
        assertFalse(source.monitors().isEmpty());
        assertEquals(USER, source.auth().user());
        assertEquals(SECRET, source.auth().secretUuid());
        assertEquals(CephFiles.key(KEYRING, USER), source.auth().key());
        assertFalse(source.toString().contains(source.auth().key()), "the key never shows in a log line");
    }

    @Test
    void imagesAndVolumesHaveOnlyLayeringAndClonesHangOffBase() throws Exception {
        String image = imageWithPattern(GIB, 1);
        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);

        JsonNode imageInfo = rbdInfo(RbdVolumeDriver.imageName(image));
        assertEquals(List.of("layering"), strings(imageInfo.path("features")));
        JsonNode snapshots = json(command(List.of("rbd", "--id", USER, "snap", "ls", "--format", "json",
                POOL + "/" + RbdVolumeDriver.imageName(image))));
        assertEquals(1, snapshots.size());
        assertEquals("base", snapshots.get(0).path("name").asText());
        JsonNode cloneInfo = rbdInfo(RbdVolumeDriver.volumeName(clone));
        assertEquals(List.of("layering"), strings(cloneInfo.path("features")));
        assertEquals(RbdVolumeDriver.imageName(image), cloneInfo.path("parent").path("image").asText());
        assertEquals("base", cloneInfo.path("parent").path("snapshot").asText());
        assertEquals("true", json(command(List.of("rbd", "--id", USER, "info", "--format", "json",
                POOL + "/" + RbdVolumeDriver.imageName(image) + "@base"))).path("protected").asText());
    }

    @Test
    void anImageIsOnePointInTimeEvenWhileAGuestUsesItsVolume() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, GIB, null);
        write(source, 0, pattern(2));
        startGuest(source);
        String image = newImage();

        assertEquals(GIB, driver.ensureImage(image, source));

        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);
        assertArrayEquals(pattern(2), read(clone, 0));
        assertEquals("[]", command(List.of("rbd", "--id", USER, "snap", "ls", "--format", "json",
                POOL + "/" + RbdVolumeDriver.volumeName(source))).strip(), "the copy snapshot is gone");
    }

    @Test
    void aHalfCopiedImageIsRemovedAndMadeAgain() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, GIB, null);
        write(source, 0, pattern(3));
        String image = newImage();
        String temp = RbdVolumeDriver.imageName(image) + ".tmp";
        rbdCli("create", "--size", "1G", "--image-feature", "layering", POOL + "/" + temp);
        writeInto(temp, pattern(4)); // a copy cut short: no snapshot yet

        assertEquals(GIB, driver.ensureImage(image, source));

        assertFalse(imageExists(temp));
        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);
        assertArrayEquals(pattern(3), read(clone, 0), "made again from the volume");
    }

    @Test
    void aCompleteCopyThatMissedItsRenameIsFinished() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, GIB, null);
        write(source, 0, pattern(5));
        String image = newImage();
        String temp = RbdVolumeDriver.imageName(image) + ".tmp";
        rbdCli("create", "--size", "1G", "--image-feature", "layering", POOL + "/" + temp);
        writeInto(temp, pattern(6));
        rbdCli("snap", "create", POOL + "/" + temp + "@base"); // copied and snapshotted, then the agent died

        assertEquals(GIB, driver.ensureImage(image, source));

        assertFalse(imageExists(temp));
        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);
        assertArrayEquals(pattern(6), read(clone, 0), "the finished copy is kept, not made again");
    }

    @Test
    void leftoverTemporaryClonesDoNotKeepAnImageAlive() throws Exception {
        String image = imageWithPattern(GIB, 7);
        String volume = newVolume();
        String temp = RbdVolumeDriver.volumeName(volume) + ".tmp";
        rbdCli("clone", POOL + "/" + RbdVolumeDriver.imageName(image) + "@base", POOL + "/" + temp);

        assertFalse(driver.listVolumes().contains(volume), "a temporary name is never listed");
        assertTrue(driver.volumeSize(volume).isEmpty());
        driver.deleteImage(image);

        assertFalse(imageExists(temp));
        assertTrue(driver.imageSize(image).isEmpty());
    }

    @Test
    void leftoverCopySnapshotsDoNotBlockDeletingAVolume() throws Exception {
        String volume = newVolume();
        driver.ensureVolume(volume, GIB, null);
        rbdCli("snap", "create", POOL + "/" + RbdVolumeDriver.volumeName(volume) + "@sovra-copy-" + UUID.randomUUID());

        driver.deleteVolume(volume);

        assertTrue(driver.volumeSize(volume).isEmpty());
    }

    @Test
    void refusedCredentialsFailWithContextAndTheNextCallConnectsAgain() throws Exception {
        Path keyring = Files.createTempFile("sovra-keyring-", ".keyring");
        try {
            String realKey = CephFiles.key(KEYRING, USER);
            String wrongKey = "AQBVvGFnAAAAABAAh2a1L9tBflAQ2KkH7WgVxQ==";
            Files.writeString(keyring, "[client.sovra]\n\tkey = " + wrongKey + "\n");
            try (RbdVolumeDriver refused = new RbdVolumeDriver(config(keyring))) {
                long started = System.nanoTime();
                StorageException e = assertThrows(StorageException.class, refused::listVolumes);
                assertTrue(e.getMessage().contains("connect to the Ceph cluster as client.sovra"), e.getMessage());
                assertTrue(e.getMessage().contains("pool sovra"), e.getMessage());
                assertFalse(e.getMessage().contains(wrongKey), "the key never shows in a message");
                System.out.printf("refused connect took %d ms: %s%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), e.getMessage());

                Files.writeString(keyring, "[client.sovra]\n\tkey = " + realKey + "\n");
                String uid = newVolume();
                refused.ensureVolume(uid, GIB, null);
                assertTrue(refused.listVolumes().contains(uid));
            }
        } finally {
            Files.deleteIfExists(keyring);
        }
    }

    @Test
    void aClosedDriverRefusesCalls() {
        RbdVolumeDriver closed = new RbdVolumeDriver(config(KEYRING));
        closed.listVolumes();
        closed.close();
        StorageException e = assertThrows(StorageException.class, closed::listVolumes);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        closed.close(); // twice is fine
    }

    @Test
    void errorsNameTheOperationTheObjectAndTheCode() {
        RbdVolumeDriver noPool = new RbdVolumeDriver(new RbdVolumeDriverConfig(CONF, "no-such-pool", USER, KEYRING,
                SECRET, null, null, null));
        try {
            String uid = UUID.randomUUID().toString();
            StorageException e = assertThrows(StorageException.class, () -> noPool.ensureVolume(uid, GIB, null));
            assertEquals(uid, e.uid());
            assertTrue(e.getMessage().contains("no-such-pool") && e.getMessage().contains("ENOENT"), e.getMessage());
        } finally {
            noPool.close();
        }
        assertEquals(OptionalLong.empty(), driver.volumeSize(UUID.randomUUID().toString()));
    }

    private void writeInto(String image, byte[] data) throws IOException {
        Path file = Files.createTempFile("sovra-rbd-write-", ".bin");
        try {
            Files.write(file, data);
            command(List.of("qemu-io", "-f", "raw", "-c", "write -q -s " + file + " 0 " + data.length, rbd.qemuTarget(image)));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static boolean imageExists(String name) {
        return command(List.of("rbd", "--id", USER, "ls", POOL)).lines().anyMatch(name::equals);
    }

    private static JsonNode rbdInfo(String name) throws IOException {
        return json(command(List.of("rbd", "--id", USER, "info", "--format", "json", POOL + "/" + name)));
    }

    private static void rbdCli(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("rbd", "--id", USER));
        command.addAll(List.of(args));
        command(command);
    }

    private static JsonNode json(String text) throws IOException {
        return new ObjectMapper().readTree(text);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new java.util.ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    private static boolean clusterAnswers() {
        try {
            Process process = new ProcessBuilder("rbd", "--id", USER, "ls", POOL).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
