package dev.sovra.bench;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.PowerState;
import dev.sovra.transport.Connection;
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
        int inFlight = args.intOption("--in-flight", 256);
        int specs = args.intOption("--specs", 10);
        int warmupSeconds = args.intOption("--warmup-seconds", 5);
        int seconds = args.intOption("--seconds", 10);
        int ioThreads = args.intOption("--io-threads", 0);
        int handlerThreads = args.intOption("--handler-threads", Math.max(4, Runtime.getRuntime().availableProcessors()));
        if (!mode.equals("request") && !mode.equals("oneway")) {
            throw new IllegalArgumentException("--mode is request or oneway, not " + mode);
        }
        if (!agentsJvm.equals("separate") && !agentsJvm.equals("same")) {
            throw new IllegalArgumentException("--agents-jvm is separate or same, not " + agentsJvm);
        }
        boolean separate = agentsJvm.equals("separate");

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
        AgentsChild child = null;
        ExecutorService driver = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "simulated-agents-driver");
            thread.setDaemon(true);
            return thread;
        });
        try {
            t0 = System.nanoTime();
            if (separate) {
                child = AgentsChild.start(dir, server.agentPort(), agentCount);
                child.awaitReady(Duration.ofMinutes(10));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (controller.connectedAgents() < agentCount && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            } else {
                for (int start = 0; start < agentCount; start += 50) {
                    List<SimulatedAgent> batch = new ArrayList<>();
                    for (int i = start; i < Math.min(agentCount, start + 50); i++) {
                        SimulatedAgent agent = new SimulatedAgent(nodeId(i), credentials.get(i), server.agentPort(), agentDisconnects);
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
            System.err.printf(Locale.ROOT, "%d simulated agents (%s JVM) connected (mutual TLS, Hello/Welcome) in %.1f s;"
                            + " controller threads=%d%n", agentCount, agentsJvm, (System.nanoTime() - t0) / 1e9,
                    Thread.activeCount());

            Load load;
            if (mode.equals("request")) {
                List<String> nodeIds = new ArrayList<>();
                for (int i = 0; i < agentCount; i++) {
                    nodeIds.add(nodeId(i));
                }
                load = new RequestLoad(controller, nodeIds, desiredSet(specs));
            } else if (separate) {
                load = new ChildOneWayLoad(controller, child);
            } else {
                load = new OneWayLoad(controller, agents, driver);
            }
            load.start(inFlight);
            Thread.sleep(warmupSeconds * 1000L);
            Map<String, Long> cpuBefore = ThreadCpu.byGroup();
            long processBefore = ThreadCpu.processCpuNanos();
            long childBefore = child == null ? 0 : child.cpuNanos();
            String loadBefore = ThreadCpu.loadAverage();
            Window window = load.measure(seconds);
            long processAfter = ThreadCpu.processCpuNanos();
            long childAfter = child == null ? 0 : child.cpuNanos();
            Map<String, Long> cpuAfter = ThreadCpu.byGroup();
            load.stop();
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
            System.out.println(String.format(Locale.ROOT,
                    "agents=%d agents_jvm=%s mode=%s messages_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f in_flight=%d"
                            + " disconnects=%d controller_cpu_us_per_msg=%.1f%s",
                    agentCount, agentsJvm, mode, window.count / window.seconds, window.histogram.percentile(50) / 1e6,
                    window.histogram.percentile(99) / 1e6, window.histogram.percentile(99.9) / 1e6, inFlight,
                    controller.disconnects() + agentDisconnects.get(), (processAfter - processBefore) / 1e3 / messages,
                    child == null ? "" : String.format(Locale.ROOT, " agents_cpu_us_per_msg=%.1f",
                            (childAfter - childBefore) / 1e3 / messages)));
        } finally {
            driver.shutdownNow();
            if (child != null) {
                child.stop();
            }
            agents.parallelStream().forEach(SimulatedAgent::close);
            server.close();
        }
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


        void start(int inFlight) {
            for (int i = 0; i < inFlight; i++) {
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

        RequestLoad(BenchController controller, List<String> nodeIds, List<InstanceSpec> desired) {
            this.controller = controller;
            this.nodeIds = nodeIds;
            this.desired = desired;
        }

        @Override
        void issue() {
            Connection connection = null;
            for (int tries = 0; connection == null && tries < nodeIds.size(); tries++) {
                connection = controller.agent(nodeIds.get(Math.floorMod(roundRobin.getAndIncrement(), nodeIds.size())));
            }
            if (connection == null) {
                errors.incrementAndGet();
                return;
            }
            long sent = System.nanoTime();
            connection.request(DesiredState.instances(generation.incrementAndGet(), desired), Duration.ofSeconds(30))
                    .whenComplete((ack, error) -> {
                        if (error != null) {
                            errors.incrementAndGet();
                        } else {
                            histogram.record(System.nanoTime() - sent);
                        }
                        if (running) {
                            issue();
                        }
                    });
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
        void start(int inFlight) {
            for (int i = 0; i < inFlight; i++) {
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
        void start(int inFlight) {
            credit.start();
            child.send("go " + inFlight);
        }
    }
}
