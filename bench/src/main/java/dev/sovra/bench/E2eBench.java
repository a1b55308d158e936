package dev.sovra.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovra.transport.Enrolment;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench e2e --agents N --instances M [--clients C]}: a REAL controller process (controller jar
 * + its lib/, like the system tests' Appliance) with N SIMULATED agents ({@link E2eAgent}: real
 * enrolment, real mTLS transport, no hypervisor). Through the SECA API with a bearer token it creates
 * one workspace, one block storage and then M instances from C client threads, and measures for
 * each instance "PUT sent -> the agent first receives a DesiredState containing it".
 *
 * <p>{@code --kill sigkill|sigstop}: one of the N agents ({@link VictimAgent}, sim-victim) runs in a process of its
 * own and is killed -9 (or frozen) once half of the instances were PUT; the report then says when the controller
 * took its node down, which instances it reports there, and how the other agents' latency compares before and after.
 */
final class E2eBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "t";
    private static final String WORKSPACE = "w";
    static final String VICTIM = "sim-victim";

    private E2eBench() {}

    static void run(Args args) throws Exception {
        int agentCount = args.intOption("--agents", 100);
        int instanceCount = args.intOption("--instances", 1000);
        int clients = args.intOption("--clients", 4);
        int timeoutSeconds = args.intOption("--timeout-seconds", 600);
        String heap = args.option("--controller-heap") == null ? "1g" : args.option("--controller-heap");
        // Extra JVM options for the controller process, space-separated (e.g. "-XX:StartFlightRecording=filename=c.jfr").
        String controllerJvm = args.option("--controller-jvm") == null ? "" : args.option("--controller-jvm");
        boolean keep = args.values().contains("--keep"); // keep the temp dir (controller.log) for a look afterwards
        String kill = args.option("--kill"); // null, sigkill or sigstop: one agent (its own process) dies mid-stream
        if (kill != null && !kill.equals("sigkill") && !kill.equals("sigstop")) {
            throw new IllegalArgumentException("--kill is sigkill or sigstop, not " + kill);
        }
        ControllerProcess controller = null;
        List<E2eAgent> agents = new ArrayList<>();
        VictimAgent victim = null;
        ExecutorService reporter = Executors.newSingleThreadExecutor(r -> daemon(r, "simulated-agents-reporter"));
        try {
            System.err.printf(Locale.ROOT, "e2e: loadavg before: %s%n", loadAverage());
            controller = ControllerProcess.start(ControllerProcess.controllerDir(args.option("--controller-dir")), heap,
                    Arrays.stream(controllerJvm.trim().split("\\s+")).filter(o -> !o.isEmpty()).toList(),
                    TENANT, keep);
            ControllerProcess.Http http = controller.http;
            int enrolPort = controller.enrolPort;
            int agentPort = controller.agentPort;

            // Enrol and connect the simulated agents.
            ConcurrentHashMap<String, Long> firstSeen = new ConcurrentHashMap<>();
            AtomicInteger seenCount = new AtomicInteger();
            CountDownLatch allSeen = new CountDownLatch(instanceCount);
            E2eAgent.FirstSeen onSeen = (name, nanos) -> {
                if (firstSeen.putIfAbsent(name, nanos) == null) {
                    seenCount.incrementAndGet();
                    allSeen.countDown();
                }
            };
            AtomicInteger disconnects = new AtomicInteger();
            AtomicLong desiredMessages = new AtomicLong();
            AtomicLong desiredSpecs = new AtomicLong();
            long t0 = System.nanoTime();
            List<String> tokens = controller.enrolmentTokens(agentCount);
            int inProcess = kill == null ? agentCount : agentCount - 1;
            if (kill != null) {
                victim = VictimAgent.start(VICTIM, tokens.get(agentCount - 1), enrolPort, agentPort, onSeen);
            }
            ExecutorService enrolPool = Executors.newFixedThreadPool(4, r -> daemon(r, "e2e-enrol"));
            List<Future<Credentials>> enrolled = new ArrayList<>();
            for (int i = 0; i < inProcess; i++) {
                String token = tokens.get(i);
                String nodeId = nodeId(i);
                enrolled.add(enrolPool.submit(() -> Enrolment.enrol("127.0.0.1", enrolPort, EnrolmentToken.parse(token), nodeId,
                        Duration.ofSeconds(60))));
            }
            for (int i = 0; i < inProcess; i++) {
                E2eAgent agent = new E2eAgent(nodeId(i), enrolled.get(i).get(), agentPort, onSeen, reporter, disconnects,
                        desiredMessages, desiredSpecs);
                agents.add(agent);
                agent.start();
            }
            enrolPool.shutdown();
            for (E2eAgent agent : agents) {
                if (!agent.welcomed().await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a simulated agent was not welcomed within 120 s");
                }
            }
            if (victim != null) {
                victim.awaitWelcomed(Duration.ofSeconds(120));
            }
            controller.awaitReadyNodes(agentCount);
            System.err.printf(Locale.ROOT, "e2e: %d simulated agents enrolled, connected and READY in %.1f s%n", agentCount,
                    (System.nanoTime() - t0) / 1e9);

            String ws = "/providers/seca.workspace/v1/tenants/" + TENANT + "/workspaces/" + WORKSPACE;
            http.expectCreated("PUT", ws, "{\"spec\":{}}");
            String storage = "/providers/seca.storage/v1/tenants/" + TENANT + "/workspaces/" + WORKSPACE + "/block-storages/boot";
            http.expectCreated("PUT", storage, "{\"spec\":{\"skuRef\":\"skus/seca.rd100\",\"sizeGB\":1}}");
            String compute = "/providers/seca.compute/v1/tenants/" + TENANT + "/workspaces/" + WORKSPACE + "/instances/";
            String body = "{\"spec\":{\"skuRef\":\"skus/seca.d2xs\",\"zone\":\"a\","
                    + "\"bootVolume\":{\"deviceRef\":\"block-storages/boot\"}}}";

            // PUT the instances from `clients` threads, each taking the next index.
            long[] sent = new long[instanceCount];
            long[] answered = new long[instanceCount];
            AtomicInteger next = new AtomicInteger();
            CountDownLatch halfAnswered = new CountDownLatch(instanceCount / 2);
            AtomicLong halfAt = new AtomicLong(); // when half were answered: where --kill strikes, and the control split
            AgentKill agentKill = victim == null ? null : AgentKill.when(halfAnswered, victim, kill);
            ExecutorService clientPool = Executors.newFixedThreadPool(clients, r -> daemon(r, "e2e-client"));
            List<Future<?>> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                workers.add(clientPool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < instanceCount; i = next.getAndIncrement()) {
                        sent[i] = System.nanoTime();
                        http.expectCreated("PUT", compute + instanceName(i), body);
                        answered[i] = System.nanoTime();
                        halfAnswered.countDown();
                        if (halfAnswered.getCount() == 0) {
                            halfAt.compareAndSet(0, System.nanoTime());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
            long putsDone = System.nanoTime();
            clientPool.shutdown();
            if (agentKill != null) {
                killReport(agentKill, http, controller.log(), agentCount, instanceCount, sent, firstSeen, allSeen,
                        victim, disconnects);
                return;
            }
            if (!allSeen.await(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException("only " + seenCount.get() + " of " + instanceCount
                        + " instances reached an agent within " + timeoutSeconds + " s");
            }
            long end = firstSeen.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long[] toAgent = new long[instanceCount];
            long[] putLatency = new long[instanceCount];
            List<Long> firstHalf = new ArrayList<>();
            List<Long> secondHalf = new ArrayList<>();
            for (int i = 0; i < instanceCount; i++) {
                toAgent[i] = firstSeen.get(instanceName(i)) - sent[i];
                putLatency[i] = answered[i] - sent[i];
                (sent[i] < halfAt.get() ? firstHalf : secondHalf).add(toAgent[i]);
            }
            long[] before = firstHalf.stream().mapToLong(Long::longValue).sorted().toArray();
            long[] after = secondHalf.stream().mapToLong(Long::longValue).sorted().toArray();
            Arrays.sort(toAgent);
            Arrays.sort(putLatency);
            double wall = (end - start) / 1e9;
            // Let the observations settle briefly so the counters include the tail of the run.
            Thread.sleep(500);
            System.err.printf(Locale.ROOT, "e2e: PUTs done in %.2f s (%.0f PUT/s, PUT response p50 %.1f ms p99 %.1f ms); "
                            + "last instance at an agent %.2f s after the first PUT%n",
                    (putsDone - start) / 1e9, instanceCount / ((putsDone - start) / 1e9), ms(pct(putLatency, 0.50)),
                    ms(pct(putLatency, 0.99)), wall);
            System.err.printf(Locale.ROOT, "e2e: PUT -> agent received: min %.1f ms, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    ms(toAgent[0]), ms(pct(toAgent, 0.50)), ms(pct(toAgent, 0.90)), ms(pct(toAgent, 0.99)), ms(toAgent[instanceCount - 1]));
            // The same split as --kill uses (PUT sent before/after half were answered): the control for its before/after.
            System.err.printf(Locale.ROOT, "e2e: PUT sent before half were answered: %d instances p50 %.1f ms p99 %.1f ms; after: %d"
                            + " instances p50 %.1f ms p99 %.1f ms%n", before.length, ms(pct(before, 0.50)), ms(pct(before, 0.99)),
                    after.length, ms(pct(after, 0.50)), ms(pct(after, 0.99)));
            System.err.printf(Locale.ROOT, "e2e: DesiredState messages received %d (%.1f per instance), instance specs carried %d "
                            + "(%.1f per instance); agent disconnects %d; loadavg after: %s%n",
                    desiredMessages.get(), desiredMessages.get() / (double) instanceCount, desiredSpecs.get(),
                    desiredSpecs.get() / (double) instanceCount, disconnects.get(), loadAverage());
            System.out.printf(Locale.ROOT,
                    "agents=%d instances=%d e2e_instances_per_s=%.1f put_to_agent_p50_ms=%.1f put_to_agent_p99_ms=%.1f%n",
                    agentCount, instanceCount, instanceCount / wall, ms(pct(toAgent, 0.50)), ms(pct(toAgent, 0.99)));
        } catch (Exception | Error e) {
            System.err.println("e2e: FAILED: " + e);
            if (controller != null) {
                controller.tailLog();
            }
            throw e;
        } finally {
            agents.parallelStream().forEach(E2eAgent::close);
            if (victim != null) {
                victim.close();
            }
            reporter.shutdownNow();
            if (controller != null) {
                controller.close();
            }
        }
    }

    /**
     * {@code --kill}: the victim agent died when half of the instances were PUT. Reports when its node went down
     * (the controller's own "node down" log line, against the heartbeat timeout), the instances the controller
     * reports on it, and the PUT -> agent latency of every other agent's instances before and after the kill.
     */
    private static void killReport(AgentKill kill, ControllerProcess.Http http, Path controllerLog, int agentCount, int instanceCount, long[] sent,
                                   Map<String, Long> firstSeen, CountDownLatch allSeen, VictimAgent victim,
                                   AtomicInteger disconnects) throws Exception {
        AgentKill.Moment killed = kill.await(Duration.ofSeconds(60));
        String downLine = awaitLogLine(controllerLog, "node down node=" + VICTIM + " ", Duration.ofMillis(ControllerProcess.HEARTBEAT_TIMEOUT_MS + 30_000));
        Instant downAt = OffsetDateTime.parse(downLine.substring(0, downLine.indexOf(' '))).toInstant();
        long downMs = Duration.between(killed.wall(), downAt).toMillis();
        String reason = downLine.contains("reason=\"") ? downLine.substring(downLine.indexOf("reason=\"") + 8, downLine.lastIndexOf('"')) : "";
        String apiState = "missing";
        for (JsonNode node : json(http.expect("GET", "/internal/v1/nodes", null, 200))) {
            if (node.get("id").asText().equals(VICTIM)) {
                apiState = node.get("state").asText();
            }
        }
        System.err.printf(Locale.ROOT, "e2e: %s of agent %s after %d instances PUT; controller logged its node down %d ms later"
                + " (heartbeat timeout %d ms, reason \"%s\"); the node API says %s%n", kill.signal(), VICTIM, instanceCount / 2, downMs,
                ControllerProcess.HEARTBEAT_TIMEOUT_MS, reason, apiState);

        // Everything not on the victim must still arrive; wait for it, or until nothing has arrived for 2 s.
        int lastCount = -1;
        long quietSince = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (allSeen.getCount() > 0 && System.nanoTime() < deadline) {
            int count = firstSeen.size();
            if (count != lastCount) {
                lastCount = count;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(2)) {
                break;
            }
            Thread.sleep(100);
        }

        Set<String> onVictim = new HashSet<>();
        Set<String> victimNodeStates = new TreeSet<>();
        for (JsonNode instance : json(http.expect("GET", "/internal/v1/instances", null, 200))) {
            if (VICTIM.equals(instance.path("node").asText(null))) {
                String ref = instance.get("ref").asText();
                onVictim.add(ref.substring(ref.lastIndexOf('/') + 1));
                victimNodeStates.add(instance.path("nodeState").asText("?"));
            }
        }
        Set<String> acked = victim.seen();
        Set<String> ackedButNotReported = new TreeSet<>(acked);
        ackedButNotReported.removeAll(onVictim);
        List<Long> before = new ArrayList<>();
        List<Long> after = new ArrayList<>();
        Map<Long, List<Long>> bySecond = new java.util.TreeMap<>(); // PUT second relative to the kill -> latencies
        int lost = 0;
        for (int i = 0; i < instanceCount; i++) {
            String name = instanceName(i);
            if (onVictim.contains(name) || acked.contains(name)) {
                continue;
            }
            Long at = firstSeen.get(name);
            if (at == null) {
                lost++;
                continue;
            }
            (sent[i] < killed.nanos() ? before : after).add(at - sent[i]);
            bySecond.computeIfAbsent(Math.floorDiv(sent[i] - killed.nanos(), 1_000_000_000L), k -> new ArrayList<>()).add(at - sent[i]);
        }
        StringBuilder timeline = new StringBuilder();
        bySecond.forEach((second, latencies) -> {
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            timeline.append(String.format(Locale.ROOT, " [%+ds n=%d p50=%.0f p99=%.0f]", second, sorted.length, ms(pct(sorted, 0.50)),
                    ms(pct(sorted, 0.99))));
        });
        System.err.println("e2e: other agents by second of PUT relative to the kill (ms):" + timeline);
        long[] b = before.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] a = after.stream().mapToLong(Long::longValue).sorted().toArray();
        System.err.printf(Locale.ROOT, "e2e: the controller reports %d instances on %s (node state %s); the agent had received %d of"
                        + " them before it died (%d it received are not reported); %d were placed on it after the kill%n",
                onVictim.size(), VICTIM, victimNodeStates, acked.size(), ackedButNotReported.size(),
                onVictim.size() - onVictim.stream().filter(acked::contains).count());
        System.err.printf(Locale.ROOT, "e2e: other agents, PUT -> agent received: before the kill %d instances p50 %.1f ms p99 %.1f ms;"
                        + " after it %d instances p50 %.1f ms p99 %.1f ms; never delivered %d; disconnects of in-process agents %d;"
                        + " loadavg %s%n", b.length, ms(pct(b, 0.50)), ms(pct(b, 0.99)), a.length, ms(pct(a, 0.50)), ms(pct(a, 0.99)), lost,
                disconnects.get(), loadAverage());
        System.out.printf(Locale.ROOT, "agents=%d instances=%d kill=%s node_down_ms=%d heartbeat_timeout_ms=%d victim_instances_reported=%d"
                        + " victim_acked=%d acked_not_reported=%d others_p50_before_ms=%.1f others_p99_before_ms=%.1f"
                        + " others_p50_after_ms=%.1f others_p99_after_ms=%.1f lost=%d%n",
                agentCount, instanceCount, kill.signal(), downMs, ControllerProcess.HEARTBEAT_TIMEOUT_MS, onVictim.size(), acked.size(),
                ackedButNotReported.size(), ms(pct(b, 0.50)), ms(pct(b, 0.99)), ms(pct(a, 0.50)), ms(pct(a, 0.99)), lost);
    }

    /** The first line of the (growing) log that contains {@code text}; reads only what was appended since the last look. */
    private static String awaitLogLine(Path log, String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long offset = 0;
        StringBuilder partial = new StringBuilder();
        while (System.nanoTime() < deadline) {
            try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(log.toFile(), "r")) {
                if (file.length() > offset) {
                    byte[] chunk = new byte[(int) (file.length() - offset)];
                    file.seek(offset);
                    file.readFully(chunk);
                    offset += chunk.length;
                    partial.append(new String(chunk, java.nio.charset.StandardCharsets.UTF_8));
                    int end;
                    while ((end = partial.indexOf("\n")) >= 0) {
                        String line = partial.substring(0, end);
                        partial.delete(0, end + 1);
                        if (line.contains(text)) {
                            return line;
                        }
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no log line with '" + text + "' in " + log + " within " + timeout.toSeconds() + " s");
    }

    static String nodeId(int i) {
        return String.format(Locale.ROOT, "sim-%04d", i);
    }

    static String instanceName(int i) {
        return String.format(Locale.ROOT, "vm-%06d", i);
    }

    private static long pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(q * sorted.length) - 1))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    private static String loadAverage() {
        return ControllerProcess.loadAverage();
    }
}
