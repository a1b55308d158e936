package dev.sovra.bench;

import dev.sovra.agent.hypervisor.libvirt.LibvirtDriver;
import dev.sovra.agent.hypervisor.libvirt.LibvirtDriverConfig;
import dev.sovra.agent.storage.StorageBackends;
import dev.sovra.agent.storage.VolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriver;
import dev.sovra.agent.storage.local.LocalVolumeDriverConfig;
import dev.sovra.agent.storage.rbd.RbdVolumeDriver;
import dev.sovra.agent.storage.rbd.RbdVolumeDriverConfig;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.PowerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code bench volume-write --backend local|ceph}: sequential write throughput from inside a real guest (QEMU
 * under libvirt, the agent's own drivers) to a volume of the backend: the test guest writes {@code --mib} MiB
 * of zeros to its disk with O_DIRECT and an fsync ({@code sovra.bench=vda}) and prints how long it took.
 * Under TCG the guest's emulation, not the backend, may bound the figure; the summary says which machine
 * type ran. Median of {@code --runs} guests, one after the other.
 */
public final class VolumeWriteBench {
    private static final Pattern SECONDS = Pattern.compile("seconds=([0-9.]+)");

    private VolumeWriteBench() {}

    public static int run(String[] argv) throws Exception {
        Args args = new Args(List.of(argv));
        String backend = args.option("--backend") == null ? "local" : args.option("--backend");
        int runs = args.intOption("--runs", 3);
        int mib = args.intOption("--mib", 256);
        Path guest = Path.of(args.option("--guest") == null ? "/var/lib/sovra/test-guest" : args.option("--guest"));
        Path stateDir = Files.createTempDirectory(Path.of("/var/tmp"), "sovra-volume-bench-");
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        VolumeDriver volumes = switch (backend) {
            case "local" -> new LocalVolumeDriver(LocalVolumeDriverConfig.of(stateDir));
            case "ceph" -> new RbdVolumeDriver(RbdVolumeDriverConfig.of("sovra", "sovra",
                    UUID.nameUUIDFromBytes("sovra-volume-bench".getBytes()).toString()));
            default -> throw new IllegalArgumentException("--backend is local or ceph, not " + backend);
        };
        LibvirtDriver hypervisor = new LibvirtDriver(LibvirtDriverConfig.defaults().withStateDir(stateDir)
                .withNodeId("bench-volume-write"), new StorageBackends(List.of(volumes)));
        List<Double> rates = new ArrayList<>();
        try {
            for (int i = 0; i < runs; i++) {
                rates.add(oneGuest(hypervisor, volumes, backend, guest, mib));
                System.out.printf(Locale.ROOT, "run %d: %.1f MiB/s%n", i + 1, rates.get(rates.size() - 1));
            }
        } finally {
            hypervisor.close();
            volumes.close();
            try (Stream<Path> walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        List<Double> sorted = rates.stream().sorted().toList();
        System.out.println(String.format(Locale.ROOT, "backend=%s domain_type=qemu-tcg mib=%d runs=%d write_mib_s_median=%.1f "
                + "write_mib_s_min=%.1f write_mib_s_max=%.1f", backend, mib, runs, sorted.get(sorted.size() / 2), sorted.get(0),
                sorted.get(sorted.size() - 1)));
        return 0;
    }

    private static double oneGuest(LibvirtDriver hypervisor, VolumeDriver volumes, String backend, Path guest, int mib)
            throws IOException, InterruptedException {
        String uid = UUID.randomUUID().toString();
        String volume = UUID.randomUUID().toString();
        volumes.ensureVolume(volume, mib + 64L, null);
        InstanceSpec spec = new InstanceSpec(uid, "bench/volume-write/" + uid.substring(0, 8), 1, 512,
                new KernelBoot(guest.resolve("vmlinux").toString(), guest.resolve("initrd.gz").toString(),
                        "console=ttyS0 quiet panic=-1 sovra.bench=vda sovra.benchmb=" + mib),
                List.of(new DiskSpec("boot", volume, backend)), List.of(), PowerState.ON, 0);
        try {
            hypervisor.define(spec);
            hypervisor.start(uid);
            Path console = hypervisor.consoleLog(uid);
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (System.nanoTime() < deadline) {
                String text = Files.exists(console) ? Files.readString(console) : "";
                Matcher line = Pattern.compile("SOVRA-GUEST-BENCH .*").matcher(text);
                if (line.find()) {
                    System.out.println("guest: " + line.group());
                    Matcher seconds = SECONDS.matcher(line.group());
                    if (!seconds.find() || line.group().contains("invalid") || Double.parseDouble(seconds.group(1)) <= 0) {
                        throw new IllegalStateException("the guest's write did not run as asked: " + line.group());
                    }
                    return mib / Double.parseDouble(seconds.group(1));
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("the guest did not report within 300 s:\n" + Files.readString(console));
        } finally {
            hypervisor.undefine(uid);
            volumes.deleteVolume(volume);
        }
    }
}
