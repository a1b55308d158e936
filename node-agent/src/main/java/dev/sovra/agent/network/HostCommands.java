package dev.sovra.agent.network;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs the host tools the data plane needs ({@code ip}, {@code ovs-ofctl}, {@code dnsmasq}, {@code ethtool}) with a
 * timeout, capturing their output.
 *
 * <p>{@code nodeNetns}: the network namespace the node's OVS lives in. Empty in production (the agent shares the
 * host's namespace); tests emulating several hypervisors on one machine give each its own namespace.
 */
public final class HostCommands {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Optional<String> nodeNetns;

    /** What a finished command said. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public HostCommands(Optional<String> nodeNetns) {
        this.nodeNetns = nodeNetns;
    }

    public Optional<String> nodeNetns() {
        return nodeNetns;
    }

    /** {@code ip ARGS} in the node's namespace; fails with the command's stderr on a non-zero exit. */
    public Result ipNode(String... args) {
        return check(run(ipCommand(nodeNetns, args), DEFAULT_TIMEOUT));
    }

    /** {@code ip -n NETNS ARGS}. */
    public Result ipIn(String netns, String... args) {
        return check(run(ipCommand(Optional.of(netns), args), DEFAULT_TIMEOUT));
    }

    /** A command inside network namespace {@code netns} ({@code ip netns exec}). */
    public Result execIn(String netns, List<String> command, Duration timeout) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(command);
        return run(full, timeout);
    }

    /** A command inside network namespace {@code netns} with {@code input} on its standard input. */
    public Result execInWithInput(String netns, List<String> command, String input, Duration timeout) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(command);
        return run(full, input, timeout);
    }

    /** The names of the host's named network namespaces ({@code ip netns list}). */
    public Set<String> namespaces() {
        String out = check(run(List.of("ip", "netns", "list"), DEFAULT_TIMEOUT)).stdout();
        return out.lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0])
                .collect(Collectors.toSet());
    }

    /** A command inside the node's namespace. */
    public Result execInNode(List<String> command, Duration timeout) {
        return nodeNetns.map(ns -> execIn(ns, command, timeout)).orElseGet(() -> run(command, timeout));
    }

    /** Fails with the command line, exit code and stderr unless the command exited with 0. */
    public static Result check(Result result) {
        if (!result.ok()) {
            throw new NetworkPlaneException(String.join(" ", result.command()) + " failed (exit " + result.exitCode()
                    + "): " + result.stderr().strip());
        }
        return result;
    }

    /** Runs {@code command}; a command that does not finish within {@code timeout} is killed and fails. */
    public Result run(List<String> command, Duration timeout) {
        return run(command, "", timeout);
    }

    private Result run(List<String> command, String input, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new NetworkPlaneException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try (var stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the command exited early; its exit code and stderr say why
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new NetworkPlaneException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(List.copyOf(command), process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetworkPlaneException("interrupted while running " + String.join(" ", command), e);
        }
    }

    /**
     * Runs {@code command} with its output appended to {@code log} instead of captured: for daemons that fork and
     * whose background half might keep the output open.
     */
    public Result runLogged(List<String> command, Path log, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            process.getOutputStream().close();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new NetworkPlaneException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(List.copyOf(command), process.exitValue(), "", "(see " + log + ")");
        } catch (IOException e) {
            throw new NetworkPlaneException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkPlaneException("interrupted while running " + String.join(" ", command), e);
        }
    }

    private static List<String> ipCommand(Optional<String> netns, String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        netns.ifPresent(ns -> command.addAll(List.of("-n", ns)));
        command.addAll(List.of(args));
        return command;
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        // Read on its own thread so a chatty command cannot block on a full pipe.
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("");
            }
        }, "sovra-cmd-output");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
