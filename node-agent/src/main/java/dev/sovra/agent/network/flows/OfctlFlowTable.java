package dev.sovra.agent.network.flows;

import dev.sovra.agent.network.HostCommands;
import dev.sovra.agent.network.NetworkPlaneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The bridge's flow table through {@code ovs-ofctl} on the bridge's management socket.
 *
 * <p>{@link #replace} hands the complete pipeline to {@code ovs-ofctl --bundle replace-flows}: ovs-ofctl diffs it
 * against the switch and sends only the differences, in one OpenFlow bundle that the switch commits atomically.
 * Flows that did not change are not touched (their counters keep counting), and no packet ever sees half a
 * pipeline. Connection tracking state lives in the datapath, not in flows, so it survives any flow change.
 */
public final class OfctlFlowTable {
    private static final String PROTOCOL = "OpenFlow14";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final HostCommands commands;
    private final String bridge;
    private final String target;

    /**
     * @param ovsRunDir ovs-vswitchd's run directory, where it creates {@code BRIDGE.mgmt}
     */
    public OfctlFlowTable(HostCommands commands, Path ovsRunDir, String bridge) {
        this.commands = commands;
        this.bridge = bridge;
        this.target = "unix:" + ovsRunDir.resolve(bridge + ".mgmt");
    }

    /** Makes the bridge's flows exactly {@code flows}, atomically. */
    public void replace(List<Flow> flows) {
        Path file = null;
        try {
            file = Files.createTempFile("sovra-flows-" + bridge + "-", ".txt");
            List<String> lines = new ArrayList<>(flows.size());
            flows.forEach(flow -> lines.add(flow.toOfctl()));
            Files.write(file, lines, StandardCharsets.UTF_8);
            HostCommands.Result result = commands.run(List.of("ovs-ofctl", "-O", PROTOCOL, "--bundle", "replace-flows",
                    target, file.toString()), TIMEOUT);
            if (!result.ok()) {
                throw new NetworkPlaneException("ovs-ofctl replace-flows on bridge " + bridge + " (" + flows.size()
                        + " flows) failed: " + result.stderr().strip());
            }
        } catch (IOException e) {
            throw new NetworkPlaneException("cannot write the flow file for bridge " + bridge + ": " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** The bridge's flows as {@code ovs-ofctl --no-stats dump-flows} prints them, one per line. */
    public List<String> dump() {
        HostCommands.Result result = commands.run(List.of("ovs-ofctl", "-O", PROTOCOL, "--no-stats", "dump-flows", target),
                TIMEOUT);
        if (!result.ok()) {
            throw new NetworkPlaneException("ovs-ofctl dump-flows on bridge " + bridge + " failed: " + result.stderr().strip());
        }
        return result.stdout().lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("OFPST_")
                && !line.startsWith("OFPIT_")).toList();
    }
}
