package dev.sovra.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The parent's handle on an {@link AgentsProcess}: same java, same class path and JVM flags that matter. */
final class AgentsChild {
    private final Process process;
    private final Writer stdin;
    private final CompletableFuture<String> ready = new CompletableFuture<>();

    private AgentsChild(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("ready ")) {
                        ready.complete(line);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("agents process exited before it was ready"));
        }, "agents-process-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Agents {@code first} .. {@code first + agents - 1} ({@link TransportBench#nodeId}); {@code agentThreads}
     * is {@link AgentsProcess}'s {@code --agent-threads} (null: its default).
     */
    static AgentsChild start(Path caDir, int port, int first, int agents, String agentThreads) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // heap size, GC and transport switches (-Dsovra.transport.*) apply to both JVMs; agents get no JFR/agents.
            if (flag.startsWith("-Xm") || flag.startsWith("-XX:+Use") || flag.startsWith("-Dsovra.transport.")) {
                command.add(flag);
            }
        }
        command.add("-Dlogback.configurationFile=sovra-bench-logback.xml");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AgentsProcess.class.getName());
        command.addAll(List.of("--ca-dir", caDir.toString(), "--port", String.valueOf(port), "--first", String.valueOf(first),
                "--agents", String.valueOf(agents)));
        if (agentThreads != null) {
            command.addAll(List.of("--agent-threads", agentThreads));
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new AgentsChild(process);
    }

    void awaitReady(Duration timeout) throws Exception {
        ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void send(String line) {
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CPU time (user + system) of the agents process so far. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** {@code sigkill} or {@code sigstop}, see {@link VictimAgent#signal}. */
    void kill(String signal) throws IOException, InterruptedException {
        VictimAgent.signal(process, signal);
    }

    /** Ends the process at once (also a stopped one). */
    void destroy() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    void stop() {
        try {
            send("stop");
        } catch (UncheckedIOException e) {
            // already gone
        }
        try {
            if (!process.isAlive()) {
                return;
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
