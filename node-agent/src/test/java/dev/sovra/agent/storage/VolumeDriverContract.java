package dev.sovra.agent.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link VolumeDriver} must do, run against a real backend by each subclass
 * ({@code LocalVolumeDriverIT}, {@code RbdVolumeDriverIT}): the same list of tests passes on both.
 *
 * <p>Content is written and read back the way a guest sees it: through QEMU's own block layer
 * ({@code qemu-io}) on the drive the backend names, and "in use" means a real {@code qemu-system-x86_64}
 * process with the volume as a virtio disk. Every volume and image a test makes is deleted after it.
 */
public abstract class VolumeDriverContract {

    protected static final long GIB = 1024; // in MiB
    private static final int BLOCK = 4096;
    private static final long PROCESS_TIMEOUT_SECONDS = 120;
    private static final Pattern DUMP_LINE = Pattern.compile("[0-9a-f]+:  ");

    protected VolumeDriver driver;
    private final List<String> volumes = new ArrayList<>();
    private final List<String> images = new ArrayList<>();
    private final List<Process> guests = new ArrayList<>();
    private Path scratch;

    /** A QEMU drive: {@code filename} as QEMU's -drive/qemu-io take it, and its format. */
    public record Drive(String filename, String format) {
    }

    /** A driver on a real backend; skips the test (JUnit assumption) when the backend is not there. */
    protected abstract VolumeDriver newDriver() throws Exception;

    /** How QEMU opens volume {@code uid} of this backend. */
    protected abstract Drive drive(String uid);

    /** The bytes the backend really stores for volume {@code uid} (allocated, not virtual). */
    protected abstract long allocatedBytes(String uid) throws Exception;

    /** Called after each test once its volumes and images are deleted: remove anything else the backend made. */
    protected void closeBackend() throws Exception {
    }

    @BeforeEach
    void openDriver() throws Exception {
        driver = newDriver();
        scratch = Files.createTempDirectory("sovra-volume-contract-");
    }

    @AfterEach
    void deleteWhatTheTestMade() throws Exception {
        for (Process guest : guests) {
            // SIGTERM: QEMU closes its disks (an RBD watch of a killed QEMU lingers for 30 s)
            guest.destroy();
            if (!guest.waitFor(30, TimeUnit.SECONDS)) {
                guest.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        try {
            if (driver != null) {
                List<String> reversed = new ArrayList<>(volumes);
                Collections.reverse(reversed);
                reversed.forEach(driver::deleteVolume);
                images.forEach(driver::deleteImage);
                for (String uid : volumes) {
                    assertTrue(driver.volumeSize(uid).isEmpty(), "volume " + uid + " left behind");
                }
                for (String uid : images) {
                    assertTrue(driver.imageSize(uid).isEmpty(), "image " + uid + " left behind");
                }
                driver.close();
            }
        } finally {
            deleteTree(scratch);
            closeBackend();
        }
    }

    // ---- sizes and thin provisioning

    @Test
    void emptyVolumeIsThinAndHasTheRequestedSize() throws Exception {
        String uid = newVolume();

        assertEquals(20 * GIB, driver.ensureVolume(uid, 20 * GIB, null));

        assertEquals(OptionalLong.of(20 * GIB), driver.volumeSize(uid));
        assertTrue(driver.listVolumes().contains(uid));
        long allocated = allocatedBytes(uid);
        assertTrue(allocated < 16L << 20, "a new 20 GiB volume must be thin, but stores " + allocated + " bytes");
        assertArrayEquals(new byte[BLOCK], read(uid, 0), "a new volume reads as zeros");
    }

    @Test
    void ensureVolumeIsIdempotentAndKeepsTheContent() throws Exception {
        String uid = newVolume();
        driver.ensureVolume(uid, 20 * GIB, null);
        byte[] pattern = pattern(1);
        write(uid, 0, pattern);

        assertEquals(20 * GIB, driver.ensureVolume(uid, 20 * GIB, null));
        assertEquals(20 * GIB, driver.ensureVolume(uid, 20 * GIB, null));

        assertArrayEquals(pattern, read(uid, 0));
        assertEquals(1, driver.listVolumes().stream().filter(uid::equals).count());
    }

    @Test
    void volumeGrowsButNeverShrinks() throws Exception {
        String uid = newVolume();
        driver.ensureVolume(uid, 20 * GIB, null);
        byte[] pattern = pattern(2);
        write(uid, 19 * GIB << 20, pattern);

        assertEquals(30 * GIB, driver.ensureVolume(uid, 30 * GIB, null));
        assertEquals(OptionalLong.of(30 * GIB), driver.volumeSize(uid));

        assertEquals(30 * GIB, driver.ensureVolume(uid, 10 * GIB, null), "a smaller request returns the current size");
        assertEquals(OptionalLong.of(30 * GIB), driver.volumeSize(uid));
        assertArrayEquals(pattern, read(uid, 19 * GIB << 20), "growing keeps the content");
        assertArrayEquals(new byte[BLOCK], read(uid, 29 * GIB << 20), "the grown part reads as zeros");
    }

    // ---- images and clones

    @Test
    void clonesOfAnImageReadTheContentOfItsSourceVolume() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, 20 * GIB, null);
        byte[] head = pattern(3);
        byte[] tail = pattern(4);
        write(source, 0, head);
        write(source, 15 * GIB << 20, tail);
        String image = newImage();

        assertEquals(20 * GIB, driver.ensureImage(image, source));
        assertEquals(OptionalLong.of(20 * GIB), driver.imageSize(image));
        assertTrue(driver.listImages().contains(image));

        List<String> clones = List.of(newVolume(), newVolume(), newVolume());
        assertEquals(20 * GIB, driver.ensureVolume(clones.get(0), 20 * GIB, image));
        assertEquals(20 * GIB, driver.ensureVolume(clones.get(1), 10 * GIB, image), "a clone is at least the image size");
        assertEquals(25 * GIB, driver.ensureVolume(clones.get(2), 25 * GIB, image), "a clone grows past the image size");
        for (String clone : clones) {
            assertArrayEquals(head, read(clone, 0), "clone " + clone);
            assertArrayEquals(tail, read(clone, 15 * GIB << 20), "clone " + clone);
            assertTrue(allocatedBytes(clone) < 16L << 20, "a clone shares the image's data, but clone " + clone
                    + " stores " + allocatedBytes(clone) + " bytes");
        }
        assertEquals(OptionalLong.of(25 * GIB), driver.volumeSize(clones.get(2)));
    }

    @Test
    void anImageIsAFrozenCopyAndClonesAreIndependent() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, GIB, null);
        byte[] original = pattern(5);
        write(source, 0, original);
        String image = newImage();
        driver.ensureImage(image, source);
        String first = newVolume();
        String second = newVolume();
        driver.ensureVolume(first, GIB, image);
        driver.ensureVolume(second, GIB, image);

        write(source, 0, pattern(6));
        write(first, 0, pattern(7));

        assertArrayEquals(original, read(second, 0), "writes to the source volume or a sibling clone must not show");
        assertArrayEquals(pattern(7), read(first, 0));
        String third = newVolume();
        driver.ensureVolume(third, GIB, image);
        assertArrayEquals(original, read(third, 0), "the image keeps the content it was made with");
    }

    @Test
    void ensureImageKeepsAnImageThatExists() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, GIB, null);
        write(source, 0, pattern(8));
        String image = newImage();
        driver.ensureImage(image, source);
        driver.ensureVolume(source, 2 * GIB, null);
        write(source, 0, pattern(9));

        assertEquals(GIB, driver.ensureImage(image, source), "an existing image is kept as it is");

        String clone = newVolume();
        driver.ensureVolume(clone, GIB, image);
        assertArrayEquals(pattern(8), read(clone, 0));
    }

    @Test
    void anImageSurvivesTheDeletionOfItsSourceVolume() throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, 2 * GIB, null);
        write(source, GIB << 20, pattern(10));
        String image = newImage();
        driver.ensureImage(image, source);

        driver.deleteVolume(source);

        assertTrue(driver.volumeSize(source).isEmpty());
        assertEquals(OptionalLong.of(2 * GIB), driver.imageSize(image));
        String clone = newVolume();
        driver.ensureVolume(clone, 2 * GIB, image);
        assertArrayEquals(pattern(10), read(clone, GIB << 20));
    }

    @Test
    void deleteImageIsRefusedWhileClonesExist() throws Exception {
        String image = imageWithPattern(GIB, 11);
        String first = newVolume();
        String second = newVolume();
        driver.ensureVolume(first, GIB, image);
        driver.ensureVolume(second, GIB, image);

        StorageInUseException refused = assertThrows(StorageInUseException.class, () -> driver.deleteImage(image));
        assertEquals(image, refused.uid());
        assertEquals(OptionalLong.of(GIB), driver.imageSize(image), "a refused delete leaves the image");

        driver.deleteVolume(first);
        assertThrows(StorageInUseException.class, () -> driver.deleteImage(image), "one clone is left");
        assertArrayEquals(pattern(11), read(second, 0), "the remaining clone still reads its data");
        driver.deleteVolume(second);
        driver.deleteImage(image);
        assertTrue(driver.imageSize(image).isEmpty());
        assertFalse(driver.listImages().contains(image));
    }

    // ---- in use, deletes, lists

    @Test
    void deleteVolumeIsRefusedWhileAGuestHasItOpen() throws Exception {
        String uid = newVolume();
        driver.ensureVolume(uid, GIB, null);
        write(uid, 0, pattern(12));
        Process guest = startGuest(uid);

        StorageInUseException refused = assertThrows(StorageInUseException.class, () -> driver.deleteVolume(uid));
        assertEquals(uid, refused.uid());
        assertEquals(OptionalLong.of(GIB), driver.volumeSize(uid), "a refused delete leaves the volume");
        assertEquals(GIB, driver.ensureVolume(uid, GIB, null), "a volume in use still reports its size");

        stopGuest(guest);
        driver.deleteVolume(uid);
        assertTrue(driver.volumeSize(uid).isEmpty());
    }

    @Test
    void deletesAreIdempotent() throws Exception {
        String never = UUID.randomUUID().toString();
        driver.deleteVolume(never);
        driver.deleteImage(never);

        String volume = newVolume();
        driver.ensureVolume(volume, GIB, null);
        String image = newImage();
        driver.ensureImage(image, volume);
        driver.deleteVolume(volume);
        driver.deleteVolume(volume);
        driver.deleteImage(image);
        driver.deleteImage(image);

        assertTrue(driver.volumeSize(volume).isEmpty());
        assertTrue(driver.imageSize(image).isEmpty());
    }

    @Test
    void listsShowExactlyWhatExists() throws Exception {
        Set<String> volumesBefore = driver.listVolumes();
        Set<String> imagesBefore = driver.listImages();
        String a = newVolume();
        String b = newVolume();
        driver.ensureVolume(a, GIB, null);
        driver.ensureVolume(b, GIB, null);
        String image = newImage();
        driver.ensureImage(image, a);

        assertEquals(union(volumesBefore, a, b), driver.listVolumes());
        assertEquals(union(imagesBefore, image), driver.listImages());
        assertFalse(driver.listVolumes().contains(image), "images are not volumes");
        assertFalse(driver.listImages().contains(a), "volumes are not images");

        driver.deleteVolume(a);
        driver.deleteImage(image);
        assertEquals(union(volumesBefore, b), driver.listVolumes());
        assertEquals(imagesBefore, driver.listImages());
    }

    @Test
    void aMissingSourceIsReportedAsSuch() {
        String volume = newVolume();
        String missingImage = UUID.randomUUID().toString();

        StorageException noImage = assertThrows(StorageException.class, () -> driver.ensureVolume(volume, GIB, missingImage));
        assertTrue(noImage.missingSource(), noImage.getMessage());
        assertEquals(volume, noImage.uid());
        assertTrue(noImage.getMessage().contains(missingImage), noImage.getMessage());
        assertTrue(driver.volumeSize(volume).isEmpty(), "no volume is made without its image");
        assertFalse(driver.listVolumes().contains(volume));

        String image = newImage();
        String missingVolume = UUID.randomUUID().toString();
        StorageException noVolume = assertThrows(StorageException.class, () -> driver.ensureImage(image, missingVolume));
        assertTrue(noVolume.missingSource(), noVolume.getMessage());
        assertEquals(image, noVolume.uid());
        assertTrue(driver.imageSize(image).isEmpty());
        assertFalse(driver.listImages().contains(image));
    }

    @Test
    void uidsThatAreNotCanonicalUuidsAreRefused() {
        for (String bad : List.of("../../etc/passwd", "", "0F8FAD5B-D9CB-469F-A165-70867728950E", "vol 1")) {
            assertThrows(StorageException.class, () -> driver.ensureVolume(bad, GIB, null), bad);
            assertThrows(StorageException.class, () -> driver.ensureImage(bad, UUID.randomUUID().toString()), bad);
            assertThrows(StorageException.class, () -> driver.deleteVolume(bad), bad);
            assertThrows(StorageException.class, () -> driver.deleteImage(bad), bad);
            assertThrows(StorageException.class, () -> driver.ensureVolume(UUID.randomUUID().toString(), GIB, bad), bad);
        }
    }

    // ---- concurrency: the reconciler may call from several threads

    @Test
    void concurrentCallsMakeEachVolumeOnce() throws Exception {
        String image = imageWithPattern(GIB, 16);
        String shared = newVolume();
        List<String> distinct = List.of(newVolume(), newVolume(), newVolume(), newVolume());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(threads.submit(() -> driver.ensureVolume(shared, GIB, image)));
                String own = distinct.get(i);
                results.add(threads.submit(() -> driver.ensureVolume(own, 2 * GIB, image)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i % 2 == 0 ? GIB : 2 * GIB, results.get(i).get(120, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(union(Set.of(), distinct.toArray(String[]::new)), intersect(driver.listVolumes(), distinct));
        assertTrue(driver.listVolumes().contains(shared));
        for (String uid : union(Set.copyOf(distinct), shared)) {
            assertArrayEquals(pattern(16), read(uid, 0), "volume " + uid);
        }
    }

    // ---- import

    @Test
    void importDetectsQcow2AndRawAndReportsProgress() throws Exception {
        for (String format : List.of("qcow2", "raw")) {
            Path file = scratch.resolve("import." + format);
            command(List.of("qemu-img", "create", "-q", "-f", format, file.toString(), "64M"));
            Path patternFile = scratch.resolve("pattern-" + format);
            Files.write(patternFile, pattern(13));
            command(List.of("qemu-io", "-f", format, "-c", "write -s " + patternFile + " " + (32 << 20) + " " + BLOCK, file.toString()));
            String image = newImage();
            List<Double> progress = new CopyOnWriteArrayList<>();

            assertEquals(64, driver.importImage(image, file, progress::add), format);
            assertEquals(64, driver.importImage(image, file, fraction -> fail("an existing image is not imported again")));

            assertFalse(progress.isEmpty(), format + ": progress was reported");
            assertEquals(1.0, progress.get(progress.size() - 1), format + ": progress ends at 1");
            for (int i = 0; i < progress.size(); i++) {
                assertTrue(progress.get(i) >= 0 && progress.get(i) <= 1, format + ": fraction " + progress.get(i));
                assertTrue(i == 0 || progress.get(i) >= progress.get(i - 1), format + ": progress goes forward " + progress);
            }
            assertEquals(OptionalLong.of(64), driver.imageSize(image));
            String clone = newVolume();
            driver.ensureVolume(clone, 128, image);
            assertArrayEquals(pattern(13), read(clone, 32 << 20), format);
        }
    }

    @Test
    void importOfAMissingFileIsAMissingSource() {
        String image = newImage();
        StorageException missing = assertThrows(StorageException.class,
                () -> driver.importImage(image, scratch.resolve("absent.qcow2"), fraction -> { }));
        assertTrue(missing.missingSource(), missing.getMessage());
        assertTrue(driver.imageSize(image).isEmpty());
    }

    // ---- capacity

    @Test
    void capacityReportsTheBackendsSpace() {
        VolumeDriver.Capacity capacity = driver.capacity();
        assertTrue(capacity.totalMiB() > 0, capacity.toString());
        assertTrue(capacity.freeMiB() >= 0 && capacity.freeMiB() <= capacity.totalMiB(), capacity.toString());
    }

    // ---- clone time: printed for the record, asserted elsewhere (CloneBench)

    @Test
    void cloningTakesTheSameStepsForASmallAndALargeImage() throws Exception {
        String small = imageWithPattern(GIB, 14);
        String large = imageWithPattern(20 * GIB, 15);
        long[] smallMillis = new long[3];
        long[] largeMillis = new long[3];
        for (int i = 0; i < 3; i++) {
            smallMillis[i] = timeClone(small, GIB, 14);
            largeMillis[i] = timeClone(large, 20 * GIB, 15);
        }
        System.out.printf(Locale.ROOT, "backend=%s clone_1g_ms=%s clone_20g_ms=%s%n", driver.backend(),
                java.util.Arrays.toString(smallMillis), java.util.Arrays.toString(largeMillis));
    }

    private long timeClone(String image, long sizeMiB, int seed) throws Exception {
        String clone = newVolume();
        long started = System.nanoTime();
        assertEquals(sizeMiB, driver.ensureVolume(clone, sizeMiB, image));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertArrayEquals(pattern(seed), read(clone, 0));
        return millis;
    }

    // ---- helpers for subclasses and tests

    /** A fresh volume uid, deleted after the test. */
    protected final String newVolume() {
        String uid = UUID.randomUUID().toString();
        volumes.add(uid);
        return uid;
    }

    /** A fresh image uid, deleted after the test (after its volumes). */
    protected final String newImage() {
        String uid = UUID.randomUUID().toString();
        images.add(uid);
        return uid;
    }

    /** An image of {@code sizeMiB} whose first block holds {@code pattern(seed)}; its source volume is gone. */
    protected final String imageWithPattern(long sizeMiB, int seed) throws Exception {
        String source = newVolume();
        driver.ensureVolume(source, sizeMiB, null);
        write(source, 0, pattern(seed));
        String image = newImage();
        driver.ensureImage(image, source);
        driver.deleteVolume(source);
        return image;
    }

    /** 4 KiB of bytes that differ from one seed to the next. */
    protected static byte[] pattern(int seed) {
        byte[] bytes = new byte[BLOCK];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code data} at {@code offset} of volume {@code uid} through QEMU's block layer. */
    protected final void write(String uid, long offset, byte[] data) throws IOException {
        Path file = Files.createTempFile(scratch, "write-", ".bin");
        Files.write(file, data);
        Drive drive = drive(uid);
        command(List.of("qemu-io", "-f", drive.format(), "-c", "write -q -s " + file + " " + offset + " " + data.length,
                drive.filename()));
    }

    /** Reads one 4 KiB block at {@code offset} of volume {@code uid} through QEMU's block layer. */
    protected final byte[] read(String uid, long offset) {
        Drive drive = drive(uid);
        String dump = command(List.of("qemu-io", "-r", "-f", drive.format(), "-c", "read -v " + offset + " " + BLOCK,
                drive.filename()));
        return parseHexDump(dump, BLOCK);
    }

    /** Starts a paused QEMU with volume {@code uid} as a virtio disk and returns once it has opened the disk. */
    protected final Process startGuest(String uid) throws IOException, InterruptedException {
        Drive drive = drive(uid);
        Process guest = new ProcessBuilder("qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "32", "-nodefaults",
                "-display", "none", "-S", "-monitor", "stdio",
                "-drive", "file=" + drive.filename().replace(",", ",,") + ",format=" + drive.format() + ",if=virtio")
                .redirectErrorStream(true).start();
        guests.add(guest);
        awaitPrompt(guest);
        return guest;
    }

    protected final void stopGuest(Process guest) throws InterruptedException {
        guest.destroy();
        assertTrue(guest.waitFor(30, TimeUnit.SECONDS), "qemu did not stop");
    }

    /** The monitor prompt comes after the machine is built, so the disk is open (and locked) by then. */
    private static void awaitPrompt(Process guest) throws IOException, InterruptedException {
        InputStream out = guest.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            while (out.available() > 0) {
                seen.write(out.read());
            }
            if (seen.toString(StandardCharsets.UTF_8).contains("(qemu)")) {
                return;
            }
            if (!guest.isAlive()) {
                fail("qemu exited with " + guest.exitValue() + ": " + seen.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(50);
        }
        fail("qemu did not open its disk within 60 s: " + seen.toString(StandardCharsets.UTF_8));
    }

    /** Runs a command, fails the test on error, returns stdout and stderr. */
    protected static String command(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " timed out: " + out);
            }
            // qemu-io reports a failed command on its output, not always in its exit code
            boolean reportedFailure = out.lines().filter(line -> !DUMP_LINE.matcher(line).lookingAt())
                    .anyMatch(line -> line.toLowerCase(Locale.ROOT).contains("fail") || line.toLowerCase(Locale.ROOT).contains("error"));
            if (process.exitValue() != 0 || reportedFailure) {
                fail(String.join(" ", command) + " failed (" + process.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            return fail("cannot run " + command + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /** Bytes from {@code qemu-io read -v} lines: {@code 4c0000c30:  ac bf 9c ... (16 bytes) ...  ascii}. */
    private static byte[] parseHexDump(String dump, int length) {
        byte[] bytes = new byte[length];
        int at = 0;
        for (String line : dump.lines().toList()) {
            Matcher m = DUMP_LINE.matcher(line);
            if (!m.lookingAt()) {
                continue;
            }
            int start = m.end();
            for (int i = 0; i < 16 && at < length; i++, at++) {
                bytes[at] = (byte) Integer.parseInt(line.substring(start + 3 * i, start + 3 * i + 2), 16);
            }
        }
        assertEquals(length, at, "qemu-io dumped " + at + " bytes: " + dump);
        return bytes;
    }

    private static Set<String> intersect(Set<String> all, List<String> wanted) {
        Set<String> both = new HashSet<>(all);
        both.retainAll(wanted);
        return both;
    }

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> all = new HashSet<>(base);
        all.addAll(List.of(more));
        return all;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
