package dev.sovra.bench;

import dev.sovra.agent.storage.DiskSource;
import dev.sovra.agent.storage.StorageException;
import dev.sovra.agent.storage.VolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriverConfig;
import dev.sovra.agent.storage.rbd.RbdVolumeDriver;
import dev.sovra.agent.storage.rbd.RbdVolumeDriverConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bench clone --backend local|ceph}: how long {@link VolumeDriver#ensureVolume} takes to make a volume
 * from a 1 GiB and from a 20 GiB image (acceptance: less than 2x apart, because a clone is copy-on-write).
 *
 * <p>Each image is made the way the controller makes one: a volume of that size with 1 MiB written every
 * 256 MiB (4 MiB in the 1 GiB image, 80 MiB in the 20 GiB one, so a clone that copied data would show it),
 * then {@code ensureImage}. Then {@code --runs} clones of each image are made one after the other, each
 * timed alone and deleted untimed. Prints the median per size and one summary line of key=value pairs;
 * returns 0 when the ratio is below 2, 1 when not, 2 on bad arguments.
 */
public final class CloneBench {
    private static final long GIB = 1024; // MiB
    private static final long STRIDE_MIB = 256;
    private static final double LIMIT = 2.0;

    private CloneBench() {}

    public static int run(String[] argv) {
        Args args = new Args(List.of(argv));
        String backend = args.option("--backend") == null ? "local" : args.option("--backend");
        int runs;
        try {
            runs = args.intOption("--runs", 7);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Path tempStateDir = null;
        VolumeDriver driver;
        try {
            switch (backend) {
                case "local" -> {
                    tempStateDir = args.option("--state-dir") == null
                            ? Files.createTempDirectory(Path.of("/var/tmp"), "sovra-clone-bench-")
                            : null;
                    Path stateDir = tempStateDir != null ? tempStateDir : Path.of(args.option("--state-dir"));
                    driver = new LocalVolumeDriver(LocalVolumeDriverConfig.of(stateDir));
                }
                case "ceph" -> driver = new RbdVolumeDriver(new RbdVolumeDriverConfig(
                        args.option("--conf") == null ? null : Path.of(args.option("--conf")),
                        args.option("--pool") == null ? "sovra" : args.option("--pool"),
                        args.option("--user") == null ? "sovra" : args.option("--user"),
                        args.option("--keyring") == null ? null : Path.of(args.option("--keyring")),
                        UUID.randomUUID().toString(), null, null, null));
                default -> {
                    System.err.println("--backend is local or ceph, not " + backend);
                    return 2;
                }
            }
        } catch (IOException e) {
            System.err.println("cannot make a state directory: " + e);
            return 2;
        }
        List<String> images = new ArrayList<>();
        List<String> volumes = new ArrayList<>();
        try {
            driver.listVolumes(); // connects (ceph) before anything is timed
            double small = measure(driver, args, GIB, runs, images, volumes);
            double large = measure(driver, args, 20 * GIB, runs, images, volumes);
            double ratio = large / small;
            System.out.println(String.format(Locale.ROOT,
                    "backend=%s runs=%d clone_1g_ms=%.1f clone_20g_ms=%.1f ratio=%.2f limit=%.1f ok=%b",
                    backend, runs, small, large, ratio, LIMIT, ratio < LIMIT));
            return ratio < LIMIT ? 0 : 1;
        } finally {
            cleanUp(driver, volumes, images);
            driver.close();
            deleteTree(tempStateDir);
        }
    }

    /** Makes one image of {@code sizeMiB} and returns the median time (ms) of {@code runs} clones of it. */
    private static double measure(VolumeDriver driver, Args args, long sizeMiB, int runs, List<String> images,
                                  List<String> volumes) {
        String source = UUID.randomUUID().toString();
        volumes.add(source);
        driver.ensureVolume(source, sizeMiB, null);
        writeEvery(qemuDrive(driver.diskSource(source), args), sizeMiB);
        String image = UUID.randomUUID().toString();
        images.add(image);
        long started = System.nanoTime();
        driver.ensureImage(image, source);
        double imageMillis = millisSince(started);
        driver.deleteVolume(source);
        double[] millis = new double[runs];
        for (int i = 0; i < runs; i++) {
            String clone = UUID.randomUUID().toString();
            volumes.add(clone);
            started = System.nanoTime();
            driver.ensureVolume(clone, sizeMiB, image);
            millis[i] = millisSince(started);
            driver.deleteVolume(clone);
        }
        double median = median(millis);
        System.err.println(String.format(Locale.ROOT, "image %d GiB (%d MiB written): made in %.0f ms; clones ms %s; median %.1f",
                sizeMiB / GIB, sizeMiB / STRIDE_MIB, imageMillis, Arrays.toString(round(millis)), median));
        return median;
    }

    /** 1 MiB of 0x5a at the start of every 256 MiB, through QEMU's block layer as a guest would write. */
    private static void writeEvery(List<String> qemuDrive, long sizeMiB) {
        List<String> command = new ArrayList<>(List.of("qemu-io"));
        for (long offset = 0; offset < sizeMiB; offset += STRIDE_MIB) {
            command.addAll(List.of("-c", "write -q -P 0x5a " + offset + "M 1M"));
        }
        command.addAll(qemuDrive);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0 || out.contains("failed")) {
                throw new StorageException("", "qemu-io could not fill the source volume: " + out);
            }
        } catch (IOException e) {
            throw new StorageException("", "cannot run qemu-io: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("", "interrupted", e);
        }
    }

    /** qemu-io's format option and filename for the volume. */
    private static List<String> qemuDrive(DiskSource disk, Args args) {
        if (disk instanceof DiskSource.File file) {
            return List.of("-f", file.format(), file.path().toString());
        }
        DiskSource.Rbd rbd = (DiskSource.Rbd) disk;
        String user = rbd.auth().user();
        String conf = args.option("--conf") == null ? "/etc/ceph/ceph.conf" : args.option("--conf");
        String keyring = args.option("--keyring") == null ? "/etc/ceph/ceph.client." + user + ".keyring" : args.option("--keyring");
        return List.of("-f", "raw", "rbd:" + rbd.pool() + "/" + rbd.image() + ":id=" + user + ":conf=" + conf + ":keyring=" + keyring);
    }

    private static void cleanUp(VolumeDriver driver, List<String> volumes, List<String> images) {
        for (String uid : volumes) {
            try {
                driver.deleteVolume(uid);
            } catch (StorageException e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
        for (String uid : images) {
            try {
                driver.deleteImage(uid);
            } catch (StorageException e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static long[] round(double[] values) {
        return Arrays.stream(values).mapToLong(Math::round).toArray();
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("cannot remove " + dir + ": " + e);
        }
    }
}
