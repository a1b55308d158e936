package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real SECA client against a real appliance: runs the Go test in {@code tests/seca-sdk}, which
 * drives this appliance with the official SECA Go SDK (github.com/eu-sovereign-cloud/go-sdk) the
 * way the SECA conformance suite does: region discovery, SKU catalogues, workspace, block storage
 * and an instance booting from it through start, restart and stop, with the suite's condition
 * histories and 412 refusals. Needs Go on PATH (the module cache or the Go proxy must have the SDK).
 */
class SecaSdkSystemTest {
    private static final String TENANT = "sdktest";
    private static final long GO_TIMEOUT_MINUTES = 10;
    private static final Pattern SUMMARY = Pattern.compile("^(\\d+) passed, (\\d+) failed$");
    private static Appliance appliance;

    @BeforeAll
    static void start() {
        assumeTrue(Appliance.enabled(), "system tests run with -Dsovra.systemTests=true (./sovra test)");
        appliance = new Appliance("seca-sdk");
        appliance.start();
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void officialSecaGoSdkDrivesTheApplianceUnchanged() throws IOException, InterruptedException {
        Path go = goOnPath().orElseThrow(() -> new AssertionError(
                "SecaSdkSystemTest needs the Go toolchain (go 1.24 or newer) on PATH to run tests/seca-sdk; "
                        + "PATH=" + System.getenv("PATH")));
        Path module = Path.of(System.getProperty("user.dir")).resolve("seca-sdk");
        assertTrue(Files.isRegularFile(module.resolve("go.mod")), "no Go module at " + module);

        String baseUrl = appliance.baseUrl();
        HttpResponse<String> minted = appliance.call("POST", "/internal/v1/tokens",
                "{\"subject\":\"sdk-test\",\"tenant\":\"" + TENANT + "\"}");
        assertEquals(200, minted.statusCode(), minted.body());
        String token = Appliance.json(minted).get("token").asText();

        ProcessBuilder builder = new ProcessBuilder(go.toString(), "test", "-count=1", "-v", "./...")
                .directory(module.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("SOVRA_REGION_URL", baseUrl + "/providers/seca.region");
        env.put("SOVRA_TOKEN", token);
        env.put("SOVRA_REGION", System.getProperty("sovra.region", "sovra-local"));
        env.put("SOVRA_TENANT", TENANT);
        String goflags = env.getOrDefault("GOFLAGS", "");
        if (!goflags.contains("-buildvcs")) {
            env.put("GOFLAGS", (goflags + " -buildvcs=false").trim());
        }

        Process process = builder.start();
        List<String> output = new ArrayList<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    System.out.println("[seca-sdk] " + line);
                    synchronized (output) {
                        output.add(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "seca-sdk-output");
        pump.start();
        if (!process.waitFor(GO_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("go test in " + module + " did not finish within " + GO_TIMEOUT_MINUTES + " minutes\n--- controller.log\n"
                    + appliance.tail("controller.log"));
        }
        pump.join(10_000);

        List<String> lines;
        synchronized (output) {
            lines = List.copyOf(output);
        }
        String failures = String.join("\n", lines.stream().filter(l -> l.startsWith("FAIL") || l.startsWith("      server:")).toList());
        assertEquals(0, process.exitValue(), "go test failed (exit " + process.exitValue() + "):\n" + failures
                + "\n--- controller.log\n" + appliance.tail("controller.log"));
        // Exit 0 also means "skipped" (no SOVRA_REGION_URL): demand the summary of a full run.
        Matcher summary = lines.stream().map(SUMMARY::matcher).filter(Matcher::matches).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no 'N passed, N failed' line in the go test output"));
        assertEquals("0", summary.group(2), "failed SDK checks:\n" + failures);
        assertTrue(Integer.parseInt(summary.group(1)) >= 40, "the SDK test ran only " + summary.group(1) + " checks");
    }

    private static Optional<Path> goOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "go");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        // The Go distribution's standard place, for environments whose PATH leaves it out.
        Path standard = Path.of("/usr/local/go/bin/go");
        return Files.isExecutable(standard) ? Optional.of(standard) : Optional.empty();
    }
}
