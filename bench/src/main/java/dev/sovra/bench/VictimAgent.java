package dev.sovra.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on the {@link E2eAgentProcess} that {@code bench e2e --kill} kills mid-stream: the
 * instances it received (forwarded to the bench's first-seen callback) and the kill itself.
 */
final class VictimAgent implements AutoCloseable {
    private final Process process;
    private final CompletableFuture<Void> welcomed = new CompletableFuture<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    private VictimAgent(Process process, E2eAgent.FirstSeen onSeen) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.equals("welcomed")) {
                        welcomed.complete(null);
                    } else if (line.startsWith("seen ")) {
                        String[] parts = line.split(" ");
                        seen.add(parts[1]);
                        onSeen.seen(parts[1], Long.parseLong(parts[2]));
                    }
                }
            } catch (IOException e) {
                welcomed.completeExceptionally(e);
            }
            welcomed.completeExceptionally(new IllegalStateException("victim agent process ended before it was welcomed"));
        }, "victim-agent-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static VictimAgent start(String nodeId, String token, int enrolPort, int agentPort, E2eAgent.FirstSeen onSeen) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dlogback.configurationFile=sovra-bench-logback.xml", "-cp", System.getProperty("java.class.path"),
                E2eAgentProcess.class.getName(), "--node-id", nodeId, "--token", token, "--enrol-port", String.valueOf(enrolPort),
                "--agent-port", String.valueOf(agentPort));
        return new VictimAgent(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start(), onSeen);
    }

    void awaitWelcomed(Duration timeout) throws Exception {
        welcomed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Names of the instances this agent received before it died. */
    Set<String> seen() {
        return Set.copyOf(seen);
    }

    /**
     * {@code sigkill}: kill -9, the kernel closes its sockets (the controller sees the connection end);
     * {@code sigstop}: the process freezes with its connection open (only the heartbeat timeout can tell).
     */
    void kill(String signal) throws IOException, InterruptedException {
        signal(process, signal);
    }

    static void signal(Process process, String signal) throws IOException, InterruptedException {
        switch (signal) {
            case "sigkill" -> process.destroyForcibly();
            case "sigstop" -> {
                Process kill = new ProcessBuilder("kill", "-STOP", String.valueOf(process.pid())).inheritIO().start();
                if (kill.waitFor() != 0) {
                    throw new IllegalStateException("kill -STOP " + process.pid() + " failed");
                }
            }
            default -> throw new IllegalArgumentException("--kill is sigkill or sigstop, not " + signal);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL ends a stopped process too
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
