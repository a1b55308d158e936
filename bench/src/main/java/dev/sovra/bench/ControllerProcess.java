package dev.sovra.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A REAL controller process for the end-to-end benches (controller jar + its lib/, like the system tests'
 * Appliance): free ports, a temp data dir, heartbeats 1 s / 5 s, Ceph announced as the remote backend (the
 * simulated agents touch nothing). {@link #close()} stops it and deletes the temp dir unless kept.
 */
final class ControllerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long HEARTBEAT_TIMEOUT_MS = 5000;

    final Path home;
    final Process process;
    final Http http;
    final int agentPort;
    final int enrolPort;
    private final boolean keep;
    private final Thread cleanupHook;

    private ControllerProcess(Path home, Process process, Http http, int agentPort, int enrolPort, boolean keep, Thread cleanupHook) {
        this.home = home;
        this.process = process;
        this.http = http;
        this.agentPort = agentPort;
        this.enrolPort = enrolPort;
        this.keep = keep;
        this.cleanupHook = cleanupHook;
    }

    /**
     * Starts the controller with {@code -Xmx<heap>} and the extra JVM options, waits until /health answers
     * (90 s) and mints an API token for tenant {@code tenant}.
     */
    static ControllerProcess start(Path controllerDir, String heap, List<String> jvmOptions, String tenant, boolean keep)
            throws Exception {
        return start(controllerDir, heap, jvmOptions, Map.of(), tenant, keep);
    }

    /** As {@link #start(Path, String, List, String, boolean)}, with extra environment variables for the process. */
    static ControllerProcess start(Path controllerDir, String heap, List<String> jvmOptions, Map<String, String> environment,
                                   String tenant, boolean keep) throws Exception {
        Path home = Files.createTempDirectory("sovra-bench-");
        int httpPort = freePort();
        int agentPort = freePort();
        int enrolPort = freePort();
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx" + heap));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-Dmicronaut.server.port=" + httpPort,
                "-Dsovra.data-dir=" + home.resolve("controller"),
                "-Dsovra.transport.port=" + agentPort,
                "-Dsovra.transport.enrol-port=" + enrolPort,
                "-Dsovra.transport.heartbeat-interval=1s",
                "-Dsovra.transport.heartbeat-timeout=" + HEARTBEAT_TIMEOUT_MS + "ms",
                // Instances may share one remote-durable boot volume; on Ceph any node can attach it (a local
                // volume would pin all of them to its node). The simulated agents announce Ceph and touch nothing.
                "-Dsovra.storage.remote-backend=ceph",
                "-cp", classpath(controllerDir), "dev.sovra.controller.ControllerApplication"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("controller.log").toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        Thread cleanupHook = new Thread(() -> {
            process.destroyForcibly();
            if (!keep) {
                deleteRecursively(home);
            }
        }, "bench-controller-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        ControllerProcess controller = new ControllerProcess(home, process, new Http(httpPort), agentPort, enrolPort, keep, cleanupHook);
        try {
            controller.awaitHealthy();
            controller.http.token = JSON.readTree(controller.http.expect("POST", "/internal/v1/tokens",
                    "{\"subject\":\"bench\",\"tenant\":\"" + tenant + "\"}", 200).body()).get("token").asText();
        } catch (Exception | Error e) {
            controller.close();
            throw e;
        }
        return controller;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return home.resolve("controller.log");
    }

    private void awaitHealthy() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("controller exited with " + process.exitValue());
            }
            try {
                if (http.call("GET", "/health", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("controller not healthy within 90 s");
            }
            Thread.sleep(100);
        }
    }

    /** One-time enrolment tokens, one per agent to come. */
    List<String> enrolmentTokens(int count) throws IOException, InterruptedException {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tokens.add(JSON.readTree(http.expect("POST", "/internal/v1/enrolment-tokens", "{\"ttlSeconds\":600}", 200).body())
                    .get("token").asText());
        }
        return tokens;
    }

    /** Waits (120 s) until at least {@code count} simulated nodes ({@code sim-*}) are READY. */
    void awaitReadyNodes(int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            int ready = 0;
            for (JsonNode node : JSON.readTree(http.expect("GET", "/internal/v1/nodes", null, 200).body())) {
                if ("ready".equals(node.get("state").asText()) && node.get("id").asText().startsWith("sim-")) {
                    ready++;
                }
            }
            if (ready >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ready + " of " + count + " nodes READY within 120 s");
            }
            Thread.sleep(200);
        }
    }

    /** Prints the last 40 lines of the controller's log to stderr (after a failure). */
    void tailLog() {
        try {
            List<String> lines = Files.readAllLines(log());
            System.err.println("--- controller.log (last 40 lines)");
            lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.err::println);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("(no controller.log)");
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (keep) {
            System.err.println("bench: kept " + home + " (controller.log, data dir)");
        } else {
            deleteRecursively(home);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
    }

    /** Plain JDK HTTP client; SECA calls carry the bearer token once minted. */
    static final class Http {
        private final int port;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        volatile String token;

        Http(int port) {
            this.port = port;
        }

        HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (path.startsWith("/providers/") && token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> expect(String method, String path, String body, int status) throws IOException, InterruptedException {
            HttpResponse<String> response = call(method, path, body);
            if (response.statusCode() != status) {
                throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + " " + response.body());
            }
            return response;
        }

        void expectCreated(String method, String path, String body) throws IOException, InterruptedException {
            HttpResponse<String> response = call(method, path, body);
            if (response.statusCode() != 200 && response.statusCode() != 201) {
                throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + " " + response.body());
            }
        }
    }

    /** {@code --controller-dir}, else {@code -Dsovra.controllerDir}, else {@code controller/target} next to this jar's module. */
    static Path controllerDir(String option) throws URISyntaxException {
        if (option != null) {
            return Path.of(option);
        }
        if (System.getProperty("sovra.controllerDir") != null) {
            return Path.of(System.getProperty("sovra.controllerDir"));
        }
        Path code = Path.of(ControllerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // bench/target/sovra-bench-*.jar or bench/target/classes -> <repo>/controller/target
        Path candidate = code.getParent().getParent().getParent().resolve("controller").resolve("target");
        return Files.isDirectory(candidate) ? candidate : Path.of("controller", "target");
    }

    private static String classpath(Path targetDir) throws IOException {
        try (Stream<Path> jars = Files.list(targetDir)) {
            Path jar = jars.filter(p -> p.getFileName().toString().startsWith("sovra-controller") && p.toString().endsWith(".jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no sovra-controller jar in " + targetDir
                            + ": build first (mvn -o -B -pl bench,controller -am package -DskipTests)"));
            return jar + ":" + targetDir.resolve("lib") + "/*";
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("bench: could not delete " + root + ": " + e);
        }
    }
}
