package dev.sovra.bench;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.PowerState;
import dev.sovra.transport.Connection;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.TransportServer;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.pki.CertificateRequests;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench transport --agents N}: a real {@link TransportServer} (mutual TLS 1.3, certificates from
 * a real {@link ClusterCa}) and N {@link SimulatedAgent}s, each a real TransportClient, on loopback in
 * this JVM. A closed loop keeps {@code --in-flight} messages outstanding across all agents (round robin):
 * <ul>
 *   <li>{@code request}: controller sends DesiredState, the agent answers Ack; latency is the round trip;</li>
 *   <li>{@code oneway}: an agent sends ObservedState; latency is send to controller callback (one clock,
 *       one JVM). The next send is released when the controller received one: load-generator flow control
 *       outside the protocol, on a separate driver thread that stands in for the agents' own threads.</li>
 * </ul>
 */
final class TransportBench {
    private TransportBench() {}

    static void run(Args args) throws Exception {
        int agentCount = args.intOption("--agents", 100);
        String mode = args.option("--mode") == null ? "request" : args.option("--mode");
        String agentsJvm = args.option("--agents-jvm") == null ? "separate" : args.option("--agents-jvm");
        List<Integer> inFlightLevels = inFlightLevels(args.option("--in-flight"));
        int specs = args.intOption("--specs", 10);
        int warmupSeconds = args.intOption("--warmup-seconds", 5);
        int seconds = args.intOption("--seconds", 10);
        int ioThreads = args.intOption("--io-threads", 0);
        int handlerThreads = args.intOption("--handler-threads", Math.max(4, Runtime.getRuntime().availableProcessors()));
        String agentThreads = args.option("--agent-threads");
        String kill = args.option("--kill");
        if (!mode.equals("request") && !mode.equals("oneway")) {
            throw new IllegalArgumentException("--mode is request or oneway, not " + mode);
        }
        if (!agentsJvm.equals("separate") && !agentsJvm.equals("same")) {
            throw new IllegalArgumentException("--agents-jvm is separate or same, not " + agentsJvm);
        }
        boolean separate = agentsJvm.equals("separate");
        if (kill != null && (!kill.equals("sigkill") && !kill.equals("sigstop") || !mode.equals("request") || !separate
                || inFlightLevels.size() != 1)) {
            throw new IllegalArgumentException("--kill is sigkill or sigstop, with --mode request, agents in a separate JVM"
                    + " and one --in-flight level");
        }

        Path dir = Files.createTempDirectory("sovra-bench-ca");
        long t0 = System.nanoTime();
        ClusterCa ca = ClusterCa.loadOrCreate(dir);
        List<Credentials> credentials = new ArrayList<>();
        if (!separate) {
            for (int i = 0; i < agentCount; i++) {
                String nodeId = nodeId(i);
                KeyPair pair = CertificateRequests.generateKeyPair();
                credentials.add(new Credentials(pair.getPrivate(),
                        ca.signNodeCertificate(CertificateRequests.create(pair, nodeId), nodeId, Duration.ofDays(1)), ca.certificate()));
            }
            System.err.printf(Locale.ROOT, "issued %d node certificates in %.1f s%n", agentCount, (System.nanoTime() - t0) / 1e9);
        }

        BenchController controller = new BenchController();
        TransportServer server = TransportServer.builder()
                .bindHost("127.0.0.1").agentPort(0).enrolPort(-1)
                .credentials(ca.issueServerCredentials(List.of("localhost"), List.of("127.0.0.1")))
                .ioThreads(ioThreads).handlerThreads(handlerThreads)
                .agentHandler(controller)
                .build();
        server.start();
        AtomicInteger agentDisconnects = new AtomicInteger();
        List<SimulatedAgent> agents = new ArrayList<>();
        TransportClient.SharedThreads shared = separate ? null : AgentsProcess.sharedThreads(agentThreads);
        AgentsChild child = null;
        AgentsChild victim = null;
        ExecutorService driver = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "simulated-agents-driver");
            thread.setDaemon(true);
            return thread;
        });
        try {
            t0 = System.nanoTime();
            if (separate) {
                child = AgentsChild.start(dir, server.agentPort(), 0, agentCount, agentThreads);
                child.awaitReady(Duration.ofMinutes(10));
                if (kill != null) {
                    victim = AgentsChild.start(dir, server.agentPort(), agentCount, 1, "per-agent");
                    victim.awaitReady(Duration.ofMinutes(1));
                }
                int expected = agentCount + (victim == null ? 0 : 1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (controller.connectedAgents() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            } else {
                for (int start = 0; start < agentCount; start += 50) {
                    List<SimulatedAgent> batch = new ArrayList<>();
                    for (int i = start; i < Math.min(agentCount, start + 50); i++) {
                        SimulatedAgent agent = new SimulatedAgent(nodeId(i), credentials.get(i), server.agentPort(), agentDisconnects, shared);
                        agent.start();
                        batch.add(agent);
                        agents.add(agent);
                    }
                    for (SimulatedAgent agent : batch) {
                        if (!agent.welcomed().await(60, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("agent did not connect within 60 s; connected " + controller.connectedAgents());
                        }
                    }
                }
            }
            System.err.printf(Locale.ROOT, "%d simulated agents (%s JVM, agent threads %s) connected (mutual TLS, Hello/Welcome)"
                            + " in %.1f s; controller threads=%d%n", agentCount, agentsJvm, agentThreads == null ? "2 shared" : agentThreads,
                    (System.nanoTime() - t0) / 1e9, Thread.activeCount());

            Load load;
            if (mode.equals("request")) {
                List<String> nodeIds = new ArrayList<>();
                for (int i = 0; i < agentCount + (victim == null ? 0 : 1); i++) {
                    nodeIds.add(nodeId(i));
                }
                load = new RequestLoad(controller, nodeIds, desiredSet(specs));
            } else if (separate) {
                load = new ChildOneWayLoad(controller, child);
            } else {
                load = new OneWayLoad(controller, agents, driver);
            }
            for (int inFlight : inFlightLevels) {
                load.raiseTo(inFlight);
                Thread.sleep(warmupSeconds * 1000L);
                KillProbe probe = null;
                if (victim != null) {
                    probe = new KillProbe(nodeId(agentCount), seconds);
                    ((RequestLoad) load).probe = probe;
                    controller.onDisconnect(probe::disconnected);
                    AgentsChild target = victim;
                    KillProbe killProbe = probe;
                    Thread killer = new Thread(() -> {
                        try {
                            Thread.sleep(seconds * 500L);
                            killProbe.killed();
                            target.kill(kill);
                        } catch (Exception e) {
                            System.err.println("kill failed: " + e);
                        }
                    }, "transport-bench-kill");
                    killer.setDaemon(true);
                    killer.start();
                }
                Map<String, Long> cpuBefore = ThreadCpu.byGroup();
                long processBefore = ThreadCpu.processCpuNanos();
                long childBefore = child == null ? 0 : child.cpuNanos();
                String loadBefore = ThreadCpu.loadAverage();
                Window window = load.measure(seconds);
                long processAfter = ThreadCpu.processCpuNanos();
                long childAfter = child == null ? 0 : child.cpuNanos();
                Map<String, Long> cpuAfter = ThreadCpu.byGroup();
                double messages = Math.max(1, window.count);
                System.err.println("cpu cores used by thread group (controller JVM): "
                        + ThreadCpu.between(cpuBefore, cpuAfter, window.seconds));
                System.err.printf(Locale.ROOT, "controller JVM cores=%.2f%s; load average before %s, after %s%n",
                        (processAfter - processBefore) / 1e9 / window.seconds,
                        child == null ? " (agents included)" : String.format(Locale.ROOT, ", agents JVM cores=%.2f",
                                (childAfter - childBefore) / 1e9 / window.seconds),
                        loadBefore, ThreadCpu.loadAverage());
                System.err.printf(Locale.ROOT, "mode=%s in_flight=%d specs_per_desired_state=%d errors=%d%n", mode, inFlight, specs,
                        load.errors.get());
                if (probe != null) {
                    Thread.sleep(1000); // requests sent at the end of the window complete
                    System.err.println("others' p99 by second of sending, relative to the kill: " + probe.timeline());
                }
                System.out.println(String.format(Locale.ROOT,
                        "agents=%d agents_jvm=%s mode=%s messages_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f in_flight=%d"
                                + " disconnects=%d controller_cpu_us_per_msg=%.1f%s%s",
                        agentCount, agentsJvm, mode, window.count / window.seconds, window.histogram.percentile(50) / 1e6,
                        window.histogram.percentile(99) / 1e6, window.histogram.percentile(99.9) / 1e6, inFlight,
                        controller.disconnects() + agentDisconnects.get(), (processAfter - processBefore) / 1e3 / messages,
                        child == null ? "" : String.format(Locale.ROOT, " agents_cpu_us_per_msg=%.1f",
                                (childAfter - childBefore) / 1e3 / messages),
                        probe == null ? "" : " " + probe.summary(kill)));
            }
            load.stop();
        } finally {
            driver.shutdownNow();
            if (victim != null) {
                victim.destroy();
            }
            if (child != null) {
                child.stop();
            }
            agents.parallelStream().forEach(SimulatedAgent::close);
            if (shared != null) {
                shared.close();
            }
            server.close();
        }
    }

    /** {@code --in-flight 256} or several levels, {@code 8,64,256,1024}: measured in ascending order over the same connections. */
    private static List<Integer> inFlightLevels(String option) {
        if (option == null) {
            return List.of(256);
        }
        List<Integer> levels = new ArrayList<>();
        for (String part : option.split(",")) {
            try {
                levels.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--in-flight takes numbers separated by commas, not " + option);
            }
        }
        if (levels.stream().anyMatch(level -> level < 1)) {
            throw new IllegalArgumentException("--in-flight levels must be at least 1: " + option);
        }
        return levels.stream().sorted().distinct().toList();
    }

    static String nodeId(int i) {
        return String.format("sim-node-%05d", i);
    }

    private static List<InstanceSpec> desiredSet(int count) {
        List<InstanceSpec> set = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String uid = UUID.randomUUID().toString();
            set.add(new InstanceSpec(uid, "tenants/t/workspaces/w/instances/vm-" + i, 2, 4096, null, List.of(), List.of(),
                    PowerState.ON, 0));
        }
        return List.copyOf(set);
    }

    /** Counts and latencies of one measurement window. */
    record Window(long count, double seconds, LatencyHistogram histogram) {}

    /** A closed loop with a fixed number of messages outstanding across all agents. */
    abstract static class Load {
        final AtomicInteger roundRobin = new AtomicInteger();
        final AtomicLong errors = new AtomicLong();
        volatile boolean running = true;
        volatile LatencyHistogram histogram = new LatencyHistogram();
        final long epoch = System.nanoTime();
        int inFlight;

        /** Raises the number of messages outstanding to {@code level} (levels only go up). */
        void raiseTo(int level) {
            for (; inFlight < level; inFlight++) {
                issue();
            }
        }

        abstract void issue();

        Window measure(int seconds) throws InterruptedException {
            LatencyHistogram fresh = new LatencyHistogram();
            histogram = fresh;
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            histogram = new LatencyHistogram();
            double elapsed = (System.nanoTime() - start) / 1e9;
            return new Window(fresh.count(), elapsed, fresh);
        }

        void stop() {
            running = false;
        }
    }

    /** Controller -> agent DesiredState, agent -> controller Ack. */
    static final class RequestLoad extends Load {
        private final BenchController controller;
        private final List<String> nodeIds;
        private final List<InstanceSpec> desired;
        private final AtomicLong generation = new AtomicLong();
        volatile KillProbe probe;

        RequestLoad(BenchController controller, List<String> nodeIds, List<InstanceSpec> desired) {
            this.controller = controller;
            this.nodeIds = nodeIds;
            this.desired = desired;
        }

        @Override
        void issue() {
            Connection connection = null;
            String nodeId = null;
            for (int tries = 0; connection == null && tries < nodeIds.size(); tries++) {
                nodeId = nodeIds.get(Math.floorMod(roundRobin.getAndIncrement(), nodeIds.size()));
                connection = controller.agent(nodeId);
            }
            if (connection == null) {
                errors.incrementAndGet();
                return;
            }
            String to = nodeId;
            long sent = System.nanoTime();
            KillProbe kill = probe;
            if (kill != null) {
                kill.issued(to);
            }
            connection.request(DesiredState.instances(generation.incrementAndGet(), desired), Duration.ofSeconds(30))
                    .whenComplete((ack, error) -> {
                        long latency = System.nanoTime() - sent;
                        if (error != null) {
                            errors.incrementAndGet();
                        } else {
                            histogram.record(latency);
                        }
                        if (kill != null) {
                            kill.completed(to, sent, latency, error == null);
                        }
                        if (running) {
                            issue();
                        }
                    });
        }
    }

    /**
     * {@code --kill}: one more agent (the victim, in a JVM of its own) takes part in the load and is killed
     * halfway through the window. Records when the controller's transport reports it disconnected, what
     * happened to the requests it had outstanding, and the other agents' latency by the time their request
     * was sent: before vs after the kill, and per second.
     */
    static final class KillProbe {
        private final String victim;
        private final long windowStart = System.nanoTime();
        private final int seconds;
        private final LatencyHistogram before = new LatencyHistogram();
        private final LatencyHistogram after = new LatencyHistogram();
        private final LatencyHistogram[] perSecond;
        private final AtomicLong victimIssued = new AtomicLong();
        private final AtomicLong victimAnswered = new AtomicLong();
        private final AtomicLong victimFailed = new AtomicLong();
        private volatile long killedAt = Long.MAX_VALUE;
        private volatile long downAt;
        private volatile String downReason;
        private volatile long outstandingAtDown = -1;

        KillProbe(String victim, int seconds) {
            this.victim = victim;
            this.seconds = seconds;
            this.perSecond = new LatencyHistogram[seconds + 2];
            for (int i = 0; i < perSecond.length; i++) {
                perSecond[i] = new LatencyHistogram();
            }
        }

        void killed() {
            killedAt = System.nanoTime();
        }

        void issued(String nodeId) {
            if (nodeId.equals(victim)) {
                victimIssued.incrementAndGet();
            }
        }

        void completed(String nodeId, long sent, long latency, boolean ok) {
            if (nodeId.equals(victim)) {
                (ok ? victimAnswered : victimFailed).incrementAndGet();
                return;
            }
            if (!ok || sent < windowStart) {
                return;
            }
            (sent < killedAt ? before : after).record(latency);
            int second = (int) ((sent - windowStart) / 1_000_000_000L);
            if (second < perSecond.length) {
                perSecond[second].record(latency);
            }
        }

        /** The controller's disconnect callback (its handler thread): the transport saw the victim go. */
        void disconnected(String nodeId, String reason) {
            if (victim.equals(nodeId) && downAt == 0 && killedAt != Long.MAX_VALUE) {
                downReason = reason;
                // pending requests were failed before onDisconnected ran, on this same handler thread
                outstandingAtDown = victimIssued.get() - victimAnswered.get() - victimFailed.get();
                downAt = System.nanoTime();
            }
        }

        /** Per second of the window (second of the kill marked with *): others' p99 in ms. */
        String timeline() {
            StringBuilder text = new StringBuilder();
            long killSecond = (killedAt - windowStart) / 1_000_000_000L;
            for (int i = 0; i < seconds; i++) {
                text.append(String.format(Locale.ROOT, "%s%+d s: %.2f", i == 0 ? "" : ", ", i - killSecond,
                        perSecond[i].percentile(99) / 1e6));
            }
            return text.toString();
        }

        String summary(String signal) {
            return String.format(Locale.ROOT, "kill=%s victim_down_ms=%s victim_down_reason=\"%s\" victim_requests_failed=%d"
                            + " victim_requests_outstanding_after_down=%d others_p50_before_ms=%.3f others_p99_before_ms=%.3f"
                            + " others_p50_after_ms=%.3f others_p99_after_ms=%.3f",
                    signal, downAt == 0 ? "none" : String.format(Locale.ROOT, "%.0f", (downAt - killedAt) / 1e6), downReason,
                    victimFailed.get(), outstandingAtDown, before.percentile(50) / 1e6, before.percentile(99) / 1e6,
                    after.percentile(50) / 1e6, after.percentile(99) / 1e6);
        }
    }

    /** Agent -> controller ObservedState (one observation, a partial update). */
    static final class OneWayLoad extends Load {
        private final List<SimulatedAgent> agents;
        private final ExecutorService driver;

        OneWayLoad(BenchController controller, List<SimulatedAgent> agents, ExecutorService driver) {
            this.agents = agents;
            this.driver = driver;
            controller.onObservations(observed -> {
                Instant sent = observed.observations().get(0).observedAt();
                histogram.record(System.nanoTime() - epoch - (sent.getEpochSecond() * 1_000_000_000L + sent.getNano()));
                if (running) {
                    driver.execute(this::issue);
                }
            });
        }

        @Override
        void issue() {
            Connection connection = null;
            for (int tries = 0; connection == null && tries < agents.size(); tries++) {
                connection = agents.get(Math.floorMod(roundRobin.getAndIncrement(), agents.size())).connection();
            }
            if (connection == null) {
                errors.incrementAndGet();
                return;
            }
            String uid = "00000000-0000-0000-0000-000000000000";
            Instant sent = Instant.ofEpochSecond(0, System.nanoTime() - epoch);
            connection.send(ObservedState.instances(List.of(new InstanceObservation(uid, "tenants/t/workspaces/w/instances/vm-0",
                    DomainState.RUNNING, 0, "", sent)), false));
        }

        @Override
        void raiseTo(int level) {
            for (; inFlight < level; inFlight++) {
                driver.execute(this::issue);
            }
        }
    }

    /**
     * Agent -> controller ObservedState with the agents in their own JVM ({@link AgentsProcess}): the child
     * keeps {@code --in-flight} messages outstanding; this side reports how many arrived ("ack C" lines),
     * at most every 100 µs, from one thread of its own ({@code bench-credit}, counted in the controller's CPU).
     */
    static final class ChildOneWayLoad extends Load {
        private final AgentsChild child;
        private final AtomicLong received = new AtomicLong();
        private final Thread credit;

        ChildOneWayLoad(BenchController controller, AgentsChild child) {
            this.child = child;
            controller.onObservations(observed -> {
                Instant sent = observed.observations().get(0).observedAt();
                histogram.record(System.nanoTime() - (sent.getEpochSecond() * 1_000_000_000L + sent.getNano()));
                received.incrementAndGet();
            });
            credit = new Thread(() -> {
                long reported = 0;
                while (running) {
                    long now = received.get();
                    if (now != reported) {
                        child.send("ack " + now);
                        reported = now;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
            }, "bench-credit");
            credit.setDaemon(true);
        }

        @Override
        void issue() {}

        @Override
        void raiseTo(int level) {
            if (inFlight == 0) {
                credit.start();
            }
            inFlight = level;
            child.send("go " + level);
        }
    }
}
