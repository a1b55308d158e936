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
        int inFlight = args.intOption("--in-flight", 256);
        int specs = args.intOption("--specs", 10);
        int warmupSeconds = args.intOption("--warmup-seconds", 5);
        int seconds = args.intOption("--seconds", 10);
        int ioThreads = args.intOption("--io-threads", 0);
        int handlerThreads = args.intOption("--handler-threads", Math.max(4, Runtime.getRuntime().availableProcessors()));
        if (!mode.equals("request") && !mode.equals("oneway")) {
            throw new IllegalArgumentException("--mode is request or oneway, not " + mode);
        }

        Path dir = Files.createTempDirectory("sovra-bench-ca");
        long t0 = System.nanoTime();
        ClusterCa ca = ClusterCa.loadOrCreate(dir);
        List<Credentials> credentials = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            String nodeId = nodeId(i);
            KeyPair pair = CertificateRequests.generateKeyPair();
            credentials.add(new Credentials(pair.getPrivate(),
                    ca.signNodeCertificate(CertificateRequests.create(pair, nodeId), nodeId, Duration.ofDays(1)), ca.certificate()));
        }
        System.err.printf(Locale.ROOT, "issued %d node certificates in %.1f s%n", agentCount, (System.nanoTime() - t0) / 1e9);

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
        ExecutorService driver = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "simulated-agents-driver");
            thread.setDaemon(true);
            return thread;
        });
        try {
            t0 = System.nanoTime();
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
            System.err.printf(Locale.ROOT, "%d simulated agents connected (mutual TLS, Hello/Welcome) in %.1f s; threads=%d%n",
                    agentCount, (System.nanoTime() - t0) / 1e9, Thread.activeCount());

            Load load = mode.equals("request")
                    ? new RequestLoad(controller, agents, desiredSet(specs))
                    : new OneWayLoad(controller, agents, driver);
            load.start(inFlight);
            Thread.sleep(warmupSeconds * 1000L);
            Map<String, Long> cpuBefore = ThreadCpu.byGroup();
            Window window = load.measure(seconds);
            Map<String, Long> cpuAfter = ThreadCpu.byGroup();
            load.stop();
            System.err.println("cpu cores used by thread group: " + ThreadCpu.between(cpuBefore, cpuAfter, window.seconds));
            System.err.printf(Locale.ROOT, "mode=%s in_flight=%d specs_per_desired_state=%d errors=%d%n", mode, inFlight, specs,
                    load.errors.get());
            System.out.println(String.format(Locale.ROOT,
                    "agents=%d mode=%s messages_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f in_flight=%d disconnects=%d",
                    agentCount, mode, window.count / window.seconds, window.histogram.percentile(50) / 1e6,
                    window.histogram.percentile(99) / 1e6, window.histogram.percentile(99.9) / 1e6, inFlight,
                    controller.disconnects() + agentDisconnects.get()));
        } finally {
            driver.shutdownNow();
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
        final List<SimulatedAgent> agents;
        final AtomicInteger roundRobin = new AtomicInteger();
        final AtomicLong errors = new AtomicLong();
        volatile boolean running = true;
        volatile LatencyHistogram histogram = new LatencyHistogram();
        final long epoch = System.nanoTime();

        Load(List<SimulatedAgent> agents) {
            this.agents = agents;
        }

        SimulatedAgent nextAgent() {
            return agents.get(Math.floorMod(roundRobin.getAndIncrement(), agents.size()));
        }

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
        private final List<InstanceSpec> desired;
        private final AtomicLong generation = new AtomicLong();

        RequestLoad(BenchController controller, List<SimulatedAgent> agents, List<InstanceSpec> desired) {
            super(agents);
            this.controller = controller;
            this.desired = desired;
        }

        @Override
        void issue() {
            Connection connection = null;
            for (int tries = 0; connection == null && tries < agents.size(); tries++) {
                connection = controller.agent(nodeId(Math.floorMod(roundRobin.getAndIncrement(), agents.size())));
            }
            if (connection == null) {
                errors.incrementAndGet();
                return;
            }
            long sent = System.nanoTime();
            connection.request(new DesiredState(generation.incrementAndGet(), desired), Duration.ofSeconds(30))
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
        private final ExecutorService driver;

        OneWayLoad(BenchController controller, List<SimulatedAgent> agents, ExecutorService driver) {
            super(agents);
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
                connection = nextAgent().connection();
            }
            if (connection == null) {
                errors.incrementAndGet();
                return;
            }
            String uid = "00000000-0000-0000-0000-000000000000";
            Instant sent = Instant.ofEpochSecond(0, System.nanoTime() - epoch);
            connection.send(new ObservedState(List.of(new InstanceObservation(uid, "tenants/t/workspaces/w/instances/vm-0",
                    DomainState.RUNNING, 0, "", sent)), false));
        }

        @Override
        void start(int inFlight) {
            for (int i = 0; i < inFlight; i++) {
                driver.execute(this::issue);
            }
        }
    }
}
