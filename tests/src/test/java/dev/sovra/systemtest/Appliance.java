package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real all-in-one appliance for system tests: the controller and the node agent run as separate
 * JVM processes (so tests can kill -9 them) against the host's libvirtd, with their own data
 * directories and ports. Guests are real QEMU (TCG) domains booting the project's test guest.
 */
final class Appliance implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String COMPUTE = "/providers/seca.compute/v1/tenants/systest/workspaces/ws";
    /** Tunnel endpoints of the two emulated hosts (see {@link #withEmulatedHosts}). */
    static final String UNDERLAY_A = "198.18.42.1";
    static final String UNDERLAY_B = "198.18.42.2";

    final Path home;
    final Path guest;
    final String nodeName;
    /** Remote-durable volumes on the single-node Ceph (scripts/ceph-setup.sh) instead of local files. */
    final boolean ceph;
    private final int httpPort = freePort();
    private final int agentPort = freePort();
    private final int enrolPort = freePort();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process controller;
    private Process agent;
    private final List<String> secondNodes = new ArrayList<>();
    private final List<Process> secondAgents = new ArrayList<>();
    /** Bearer token for the SECA API, minted once the controller is up; stays valid across its restarts. */
    private String apiToken;
    /** Kernel command line of the catalog's boot image, i.e. of every guest. */
    private String guestCmdline = "console=ttyS0 quiet panic=-1";
    /** The agent's data-plane prefix when tenant networking is on (see {@link #withTenantNetwork}), else null. */
    private String networkPrefix;
    /** Tenant networking on emulated hosts: each node's switch in its own namespace (see {@link #withEmulatedHosts}). */
    private boolean emulatedHosts;
    /** Each networked node's private switch, by node name. */
    private final Map<String, PrivateOvs> switches = new LinkedHashMap<>();
    /** The controller's public IP pool, the uplink gateway and the outside's "internet" address (see {@link #withUplink}). */
    private String publicPool;
    private String uplinkGateway;
    private String uplinkInternet;
    private Uplink uplink;

    Appliance(String name) {
        this(name, false);
    }

    Appliance(String name, boolean ceph) {
        this.ceph = ceph;
        this.guest = Path.of(System.getProperty("sovra.testGuest", "/var/lib/sovra/test-guest"));
        this.nodeName = "systest-" + name;
        try {
            Path base = Path.of("/var/lib/sovra-systest");
            Files.createDirectories(base);
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            this.home = Files.createTempDirectory(base, name + "-");
            // QEMU runs as libvirt-qemu and must traverse into the agent's instance directories.
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean enabled() {
        return Boolean.getBoolean("sovra.systemTests");
    }

    /**
     * Turns tenant networking on for the appliance's node (before {@link #start}): {@code start} runs a
     * {@link PrivateOvs} with bridge {@code br-PREFIX}, and the agent gets an underlay address and that switch.
     * {@code guestArgs} are appended to every guest's kernel command line (e.g. {@code sovra.ping=...}).
     */
    Appliance withTenantNetwork(String prefix, String guestArgs) {
        this.networkPrefix = prefix;
        this.guestCmdline = guestCmdline + " " + guestArgs;
        return this;
    }

    /**
     * Tenant networking on two emulated hosts (before {@link #start}): this node and the one {@link #startSecondNode}
     * adds each get a {@link PrivateOvs} in a network namespace of their own ({@code host-PREFIXa}, {@code
     * host-PREFIXb}; bridges {@code br-PREFIXa}, {@code br-PREFIXb}), joined by a veth underlay (tunnel endpoints
     * {@link #UNDERLAY_A} and {@link #UNDERLAY_B}); each agent moves its guests' taps into its node's namespace.
     */
    Appliance withEmulatedHosts(String prefix, String guestArgs) {
        this.emulatedHosts = true;
        return withTenantNetwork(prefix, guestArgs);
    }

    /**
     * Gives this node an uplink (tenant networking, before {@link #start}): {@code start} runs an {@link Uplink}
     * (bridge {@code upl-PREFIX} in the node's namespace, outside namespace {@code out-PREFIX} holding {@code gateway}
     * on-link with {@code publicPool}, and {@code internet} behind it), the agent gets {@code --uplink-bridge}, and
     * the controller {@code sovra.network.public-ip-pool} and {@code uplink-gateway}.
     */
    Appliance withUplink(String publicPool, String gateway, String internet) {
        if (networkPrefix == null) {
            throw new IllegalStateException("an uplink needs tenant networking (withTenantNetwork or withEmulatedHosts)");
        }
        this.publicPool = publicPool;
        this.uplinkGateway = gateway;
        this.uplinkInternet = internet;
        return this;
    }

    /** The node's uplink (see {@link #withUplink}). */
    Uplink uplink() {
        return uplink;
    }

    /** The node's private switch (tenant networking only). */
    PrivateOvs ovs() {
        return switches.get(nodeName);
    }

    /** The private switch of {@code node} (this one or a second node; tenant networking only). */
    PrivateOvs ovs(String node) {
        return switches.get(node);
    }

    void start() {
        if (emulatedHosts) {
            String prefix = networkPrefix + "a";
            switches.put(nodeName, PrivateOvs.startInNamespace(home.resolve("ovs"), "br-" + prefix, prefix,
                    agentStateDir().resolve("network"), "host-" + prefix, UNDERLAY_A));
        } else if (networkPrefix != null) {
            switches.put(nodeName, PrivateOvs.start(home.resolve("ovs"), "br-" + networkPrefix, networkPrefix,
                    agentStateDir().resolve("network")));
        }
        if (publicPool != null) {
            uplink = Uplink.start(ovs().prefix, ovs().netns, uplinkGateway + publicPool.substring(publicPool.indexOf('/')),
                    uplinkInternet, home.resolve("uplink"));
        }
        startController();
        startAgent(mintToken());
        awaitNodeState("ready", Duration.ofSeconds(60));
    }

    void startController() {
        Path dir = Path.of(System.getProperty("sovra.controllerDir"));
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx384m",
                "-Dmicronaut.server.port=" + httpPort,
                "-Dsovra.data-dir=" + home.resolve("controller"),
                "-Dsovra.transport.port=" + agentPort,
                "-Dsovra.transport.enrol-port=" + enrolPort,
                "-Dsovra.transport.heartbeat-interval=500ms",
                "-Dsovra.transport.heartbeat-timeout=3s",
                "-Dsovra.reconcile.resync-period=1s",
                "-Dsovra.boot-images[0].name=sovra-test-guest",
                "-Dsovra.boot-images[0].kernel=" + guest.resolve("vmlinux"),
                "-Dsovra.boot-images[0].initrd=" + guest.resolve("initrd.gz"),
                "-Dsovra.boot-images[0].cmdline=" + guestCmdline,
                "-Dsovra.storage.remote-backend=" + (ceph ? "ceph" : "local")));
        if (publicPool != null) {
            command.add("-Dsovra.network.public-ip-pool=" + publicPool);
            command.add("-Dsovra.network.uplink-gateway=" + uplinkGateway);
        }
        command.addAll(List.of("-cp", classpath(dir, "sovra-controller"), "dev.sovra.controller.ControllerApplication"));
        controller = launch(command, home.resolve("controller.log"));
        await(Duration.ofSeconds(60), "controller health", () -> {
            if (!controller.isAlive()) {
                fail("controller exited with " + controller.exitValue() + "\n" + tail("controller.log"));
            }
            try {
                return call("GET", "/health", null).statusCode() == 200;
            } catch (UncheckedIOException e) {
                return false;
            }
        });
        if (apiToken == null) {
            apiToken = mintApiToken();
        }
    }

    private String mintApiToken() {
        HttpResponse<String> response = call("POST", "/internal/v1/tokens", "{\"subject\":\"systest\",\"tenant\":\"systest\"}");
        assertEquals(200, response.statusCode(), response.body());
        return json(response).get("token").asText();
    }

    void startAgent(String token) {
        agent = launchAgent(token, nodeName, agentStateDir(), "agent.log");
    }

    /**
     * A second node on the same host: its own agent process, node name and state directory, sharing libvirt
     * (each agent owns only the domains recorded with its node name) and the Ceph pool.
     */
    void startSecondNode(String node) {
        if (emulatedHosts) {
            if (!secondNodes.isEmpty()) {
                throw new IllegalStateException("emulated hosts: one underlay link joins two nodes, not more");
            }
            String prefix = networkPrefix + "b";
            PrivateOvs second = PrivateOvs.startInNamespace(home.resolve("ovs-" + node), "br-" + prefix, prefix,
                    home.resolve("agent-" + node).resolve("network"), "host-" + prefix, UNDERLAY_B);
            switches.put(node, second);
            PrivateOvs.connectUnderlay(ovs(), second);
        }
        secondNodes.add(node);
        secondAgents.add(launchAgent(mintToken(), node, home.resolve("agent-" + node), "agent-" + node + ".log"));
    }

    /** kill -9 of a second node's agent. */
    void killSecondAgent(String node) {
        kill(secondAgents.get(secondNodes.indexOf(node)));
    }

    /** Starts a second node's agent again (already enrolled: its credentials are in its state directory). */
    void restartSecondAgent(String node) {
        int index = secondNodes.indexOf(node);
        secondAgents.set(index, launchAgent(null, node, home.resolve("agent-" + node), "agent-" + node + ".log"));
    }

    private Process launchAgent(String token, String node, Path stateDir, String logName) {
        Path dir = Path.of(System.getProperty("sovra.agentDir"));
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx192m",
                "-cp", classpath(dir, "sovra-node-agent"), "dev.sovra.agent.AgentMain",
                "--controller", "127.0.0.1", "--port", String.valueOf(agentPort), "--enrol-port", String.valueOf(enrolPort),
                "--node-name", node, "--state-dir", stateDir.toString(), "--domain-type", "qemu",
                "--shutdown-grace", "PT3S", "--resync-period", "PT1S"));
        if (token != null) {
            command.add("--token");
            command.add(token);
        }
        if (ceph) {
            command.add("--ceph");
        }
        PrivateOvs ovs = switches.get(node);
        if (ovs != null) {
            // A node in the host's namespace is alone: its tunnel endpoint is never dialled, any test address will do.
            String underlay = ovs.underlayIp() != null ? ovs.underlayIp() : "198.51.100.1";
            command.addAll(List.of("--underlay-ip", underlay, "--ovsdb-socket", ovs.socket().toString(),
                    "--ovs-rundir", ovs.dir.toString(), "--network-bridge", ovs.bridge, "--network-prefix", ovs.prefix));
            if (ovs.netns != null) {
                command.addAll(List.of("--network-netns", ovs.netns));
            }
            if (uplink != null && node.equals(nodeName)) {
                command.addAll(List.of("--uplink-bridge", uplink.bridge));
            }
        }
        return launch(command, home.resolve(logName));
    }

    Path agentStateDir() {
        return home.resolve("agent");
    }

    String mintToken() {
        HttpResponse<String> response = call("POST", "/internal/v1/enrolment-tokens", "{\"ttlSeconds\":600}");
        assertEquals(200, response.statusCode(), response.body());
        return json(response).get("token").asText();
    }

    void killController() {
        kill(controller);
    }

    void killAgent() {
        kill(agent);
    }

    Process agentProcess() {
        return agent;
    }

    /** SIGSTOP/SIGCONT: the agent stays connected but goes silent, as a hung host would. */
    void signalAgent(String signal) {
        run("kill", "-" + signal, String.valueOf(agent.pid()));
    }

    private static void kill(Process process) {
        if (process != null && process.isAlive()) {
            process.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- HTTP -------------------------------------------------------------------------------

    HttpResponse<String> call(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (path.startsWith("/providers/") && apiToken != null) {
            request.header("Authorization", "Bearer " + apiToken);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    /** Base URL of the controller's HTTP API, e.g. {@code http://127.0.0.1:41234}. */
    String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** The bearer token this appliance's tests use for the SECA API. */
    String apiToken() {
        return apiToken;
    }

    /**
     * Creates the instance (powered off, as SECA creates instances) with its own 1 GB boot volume in
     * workspace {@code ws}, creating the workspace and the volume first.
     */
    HttpResponse<String> putInstance(String name) {
        HttpResponse<String> workspace = call("PUT", "/providers/seca.workspace/v1/tenants/systest/workspaces/ws", "{\"spec\":{}}");
        assertEquals(true, workspace.statusCode() == 200 || workspace.statusCode() == 201, workspace.body());
        HttpResponse<String> volume = call("PUT", "/providers/seca.storage/v1/tenants/systest/workspaces/ws/block-storages/boot-" + name,
                "{\"spec\":{\"skuRef\":{\"resource\":\"seca.storage/v1/tenants/systest/skus/seca.ld500\"},\"sizeGB\":1}}");
        assertEquals(201, volume.statusCode(), volume.body());
        return call("PUT", COMPUTE + "/instances/" + name,
                "{\"labels\":{\"test\":\"system\"},\"spec\":{\"skuRef\":{\"resource\":\"seca.compute/v1/tenants/systest/skus/seca.d2xs\"},"
                        + "\"zone\":\"a\",\"bootVolume\":{\"deviceRef\":{\"resource\":\"block-storages/boot-" + name + "\"}}}}");
    }

    /** PUT of a SECA resource by its path under /providers; asserts 200 or 201. */
    JsonNode put(String path, String body) {
        HttpResponse<String> response = call("PUT", path, body);
        assertEquals(true, response.statusCode() == 200 || response.statusCode() == 201, path + ": " + response.body());
        return json(response);
    }

    /** Waits until the resource at {@code path} is in {@code state}; returns it. */
    JsonNode awaitState(String path, String state, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        await(timeout, path + " " + state, () -> {
            HttpResponse<String> response = call("GET", path, null);
            last[0] = response.statusCode() == 200 ? json(response) : null;
            return last[0] != null && state.equals(last[0].get("status").get("state").asText());
        });
        return last[0];
    }

    /** The controller's volume (or image) records, by uid: {@code /internal/v1/volumes} or {@code /internal/v1/images}. */
    JsonNode storageRecords(String kind) {
        return json(call("GET", "/internal/v1/" + kind, null));
    }

    /** Creates the instance and powers it on. */
    void runInstance(String name) {
        HttpResponse<String> created = putInstance(name);
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> started = action(name, "start");
        assertEquals(202, started.statusCode(), started.body());
    }

    HttpResponse<String> instance(String name) {
        return call("GET", COMPUTE + "/instances/" + name, null);
    }

    HttpResponse<String> action(String name, String action) {
        return call("POST", COMPUTE + "/instances/" + name + "/" + action, null);
    }

    /** Deletes a SECA resource (accepted: 202 or 204) and waits until it reads 404. */
    void deleteAndAwait(String path) {
        HttpResponse<String> deleted = call("DELETE", path, null);
        assertTrue(deleted.statusCode() == 202 || deleted.statusCode() == 204, path + ": " + deleted.body());
        await(Duration.ofSeconds(30), path + " gone", () -> call("GET", path, null).statusCode() == 404);
    }

    /** Waits until the instance reports the state and power state. */
    void awaitInstance(String name, String state, String power, Duration timeout) {
        await(timeout, name + " " + state + "/" + power, () -> {
            HttpResponse<String> response = instance(name);
            if (response.statusCode() != 200) {
                return false;
            }
            JsonNode status = json(response).get("status");
            return state.equals(status.get("state").asText()) && power.equals(status.get("powerState").asText());
        });
    }

    String uid(String name) {
        for (JsonNode instance : json(call("GET", "/internal/v1/instances", null))) {
            if (instance.get("ref").asText().endsWith("/instances/" + name)) {
                return instance.get("uid").asText();
            }
        }
        throw new AssertionError("no instance " + name + " in " + call("GET", "/internal/v1/instances", null).body());
    }

    void awaitNodeState(String state, Duration timeout) {
        await(timeout, "node " + nodeName + " " + state, () -> {
            try {
                for (JsonNode node : json(call("GET", "/internal/v1/nodes", null))) {
                    if (node.get("id").asText().equals(nodeName) && node.get("state").asText().equals(state)) {
                        return true;
                    }
                }
            } catch (UncheckedIOException e) {
                return false;
            }
            return false;
        });
    }

    // ---- host observations --------------------------------------------------------------------

    Path instanceDir(String uid) {
        return agentStateDir().resolve("instances").resolve(uid);
    }

    String console(String uid) {
        return readConsole(instanceDir(uid).resolve("console.log"));
    }

    /** The console of an instance on a second node (see {@link #startSecondNode}). */
    String consoleOn(String node, String uid) {
        return readConsole(home.resolve("agent-" + node).resolve("instances").resolve(uid).resolve("console.log"));
    }

    private static String readConsole(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    int count(String uid, String marker) {
        String text = console(uid);
        int count = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length())) {
            count++;
        }
        return count;
    }

    /** libvirt domains (any state) whose name contains the text. */
    static List<String> domains(String containing) {
        return run("virsh", "-q", "-c", "qemu:///system", "list", "--all", "--name").lines()
                .map(String::trim).filter(n -> !n.isEmpty() && n.contains(containing)).toList();
    }

    /** Domains (any state) that this appliance's agents own according to Sovra's libvirt metadata. */
    List<String> ownedDomains() {
        return domains("sovra-").stream()
                .filter(name -> {
                    String metadata = run("virsh", "-q", "-c", "qemu:///system", "metadata", name, "https://sovra.dev/xmlns/domain/1");
                    return metadata.contains(">" + nodeName + "<") || secondNodes.stream().anyMatch(n -> metadata.contains(">" + n + "<"));
                })
                .toList();
    }

    static String domainState(String uid) {
        return run("virsh", "-q", "-c", "qemu:///system", "domstate", "sovra-" + uid).trim();
    }

    static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a host command and fails the test unless it exits 0 within 30 s; returns its output. */
    static String check(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                fail(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + "\n--- controller.log\n"
                        + tail("controller.log") + "\n--- agent.log\n" + tail("agent.log"));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    String tail(String logName) {
        try {
            List<String> lines = Files.readAllLines(home.resolve(logName));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no " + logName + ")";
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /** Stops both processes and removes every domain and file this appliance's node made. */
    @Override
    public void close() {
        List<String> cephVolumes = ceph ? storageUids("volumes") : List.of();
        List<String> cephImages = ceph ? storageUids("images") : List.of();
        killAgent();
        secondAgents.forEach(Appliance::kill);
        killController();
        // A failed test leaves its RBD images in the shared pool (memstore keeps them in RAM): remove them,
        // clones before the images they come from. A passed test has deleted them already.
        for (String uid : cephVolumes) {
            run("rbd", "--id", "sovra", "rm", "--no-progress", "sovra/sovra-vol-" + uid);
        }
        for (String uid : cephImages) {
            run("rbd", "--id", "sovra", "snap", "unprotect", "sovra/sovra-img-" + uid + "@base");
            run("rbd", "--id", "sovra", "snap", "purge", "--no-progress", "sovra/sovra-img-" + uid);
            run("rbd", "--id", "sovra", "rm", "--no-progress", "sovra/sovra-img-" + uid);
        }
        if (ceph) { // domains removed by virsh below do not release the agent's Ceph secret
            run("virsh", "-c", "qemu:///system", "secret-list").lines().filter(l -> l.contains("ceph sovra client."))
                    .forEach(l -> run("virsh", "-c", "qemu:///system", "secret-undefine", l.trim().split("\\s+")[0]));
        }
        for (String uid : ownedUids()) {
            run("virsh", "-c", "qemu:///system", "destroy", "sovra-" + uid);
            run("virsh", "-c", "qemu:///system", "undefine", "sovra-" + uid);
        }
        switches.values().forEach(PrivateOvs::close); // with the routers' namespaces and so their external legs
        if (uplink != null) {
            uplink.close();
        }
        deleteRecursively(home);
    }

    /** Uids of the controller's volume or image records; empty when the controller does not answer. */
    private List<String> storageUids(String kind) {
        try {
            List<String> uids = new ArrayList<>();
            storageRecords(kind).forEach(record -> uids.add(record.get("uid").asText()));
            return uids;
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private List<String> ownedUids() {
        return ownedDomains().stream().map(name -> name.substring("sovra-".length())).toList();
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Process launch(List<String> command, Path log) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    private static String classpath(Path targetDir, String artifact) {
        try (Stream<Path> jars = Files.list(targetDir)) {
            Path jar = jars.filter(p -> p.getFileName().toString().startsWith(artifact) && p.toString().endsWith(".jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no " + artifact + " jar in " + targetDir
                            + ": run the build (mvn package) first"));
            return jar + ":" + targetDir.resolve("lib") + "/*";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
