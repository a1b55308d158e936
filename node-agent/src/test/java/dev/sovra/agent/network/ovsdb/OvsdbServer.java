package dev.sovra.agent.network.ovsdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private ovsdb-server for one test: a fresh database from the installed vswitch schema in {@code dir},
 * served on {@code dir/db.sock} by a child process (so the host's OVS is neither needed nor touched).
 * Skips the test, with the reason, if Open vSwitch is not installed.
 */
final class OvsdbServer implements AutoCloseable {
    static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");

    private final Path dir;
    private final Path socket;
    private final Process process;

    private OvsdbServer(Path dir, Path socket, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.process = process;
    }

    /** Starts ovsdb-server on a new database in {@code dir}; {@code extraArgs} are added to its command line. */
    static OvsdbServer start(Path dir, String... extraArgs) throws IOException, InterruptedException {
        Optional<Path> server = findBinary("ovsdb-server");
        Optional<Path> tool = findBinary("ovsdb-tool");
        assumeTrue(server.isPresent() && tool.isPresent() && Files.exists(SCHEMA) && findBinary("ovs-vsctl").isPresent(),
                "Open vSwitch is not installed (need ovsdb-server, ovsdb-tool, ovs-vsctl and " + SCHEMA
                        + "): apt-get install openvswitch-switch, as scripts/host-setup.sh does");
        Path db = dir.resolve("conf.db");
        Path socket = dir.resolve("db.sock");
        run(List.of(tool.get().toString(), "create", db.toString(), SCHEMA.toString()));
        List<String> command = new ArrayList<>(List.of(server.get().toString(), db.toString(),
                "--remote=punix:" + socket,
                "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
                "--log-file=" + dir.resolve("ovsdb-server.log"),
                "-vconsole:off"));
        command.addAll(List.of(extraArgs));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("ovsdb-server.out").toFile())
                .start();
        OvsdbServer started = new OvsdbServer(dir, socket, process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                started.close();
                throw new IllegalStateException("ovsdb-server did not come up: "
                        + Files.readString(dir.resolve("ovsdb-server.out")));
            }
            Thread.sleep(10);
        }
        return started;
    }

    Path socket() {
        return socket;
    }

    Path dir() {
        return dir;
    }

    /** Runs {@code ovs-vsctl --no-wait} against this server (there is no ovs-vswitchd) and returns its stdout. */
    String vsctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(findBinary("ovs-vsctl").orElseThrow().toString(),
                "--db=unix:" + socket, "--no-wait", "--timeout=5"));
        command.addAll(List.of(args));
        return run(command).strip();
    }

    /** kill -9 of the server. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), () -> String.join(" ", command) + " failed: " + output);
        return output;
    }

    private static Optional<Path> findBinary(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin:/sbin";
        return Stream.of(path.split(":")).filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable).findFirst();
    }
}
