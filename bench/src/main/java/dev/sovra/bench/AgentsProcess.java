package dev.sovra.bench;

import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.transport.Connection;
import dev.sovra.transport.TransportClient;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.pki.CertificateRequests;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The simulated agents of {@code bench transport} in a JVM of their own (the default), so that the
 * controller's CPU is measured apart from the agents'. Started by {@link TransportBench} with the CA
 * directory and the agent port; talks to its parent over stdin/stdout lines:
 * <pre>
 *   child  -> parent   ready N            all N agents connected and welcomed
 *   parent -> child    go W               (oneway) keep W ObservedStates outstanding across all agents (again: new W)
 *   parent -> child    ack C              (oneway) the controller has received C ObservedStates so far
 *   parent -> child    stop               close the agents and exit
 * </pre>
 * In oneway mode an ObservedState carries {@code System.nanoTime()} of its send as {@code observedAt};
 * on Linux that clock is CLOCK_MONOTONIC, shared by all processes of the host, so the controller
 * computes the one-way latency from it. The ack lines are load-generator flow control outside the protocol.
 */
final class AgentsProcess {
    private AgentsProcess() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(List.of(argv));
        Path caDir = Path.of(args.option("--ca-dir"));
        int port = args.intOption("--port", 0);
        int count = args.intOption("--agents", 100);
        int first = args.intOption("--first", 0);
        TransportClient.SharedThreads shared = sharedThreads(args.option("--agent-threads"));
        ClusterCa ca = ClusterCa.loadOrCreate(caDir);
        AtomicInteger disconnects = new AtomicInteger();
        List<SimulatedAgent> agents = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int start = first; start < first + count; start += 50) {
            List<SimulatedAgent> batch = new ArrayList<>();
            for (int i = start; i < Math.min(first + count, start + 50); i++) {
                String nodeId = TransportBench.nodeId(i);
                KeyPair pair = CertificateRequests.generateKeyPair();
                Credentials credentials = new Credentials(pair.getPrivate(),
                        ca.signNodeCertificate(CertificateRequests.create(pair, nodeId), nodeId, Duration.ofDays(1)),
                        ca.certificate());
                SimulatedAgent agent = new SimulatedAgent(nodeId, credentials, port, disconnects, shared);
                agent.start();
                batch.add(agent);
                agents.add(agent);
            }
            for (SimulatedAgent agent : batch) {
                if (!agent.welcomed().await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("agent " + agent + " did not connect within 120 s");
                }
            }
        }
        System.err.printf(Locale.ROOT, "agents process: %d agents connected in %.1f s; threads=%d%n", count,
                (System.nanoTime() - t0) / 1e9, Thread.activeCount());
        System.out.println("ready " + count);
        System.out.flush();

        AtomicLong acked = new AtomicLong();
        Driver driver = null;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("ack ")) {
                acked.set(Long.parseLong(line.substring(4)));
                if (driver != null) {
                    LockSupport.unpark(driver);
                }
            } else if (line.startsWith("go ")) {
                int window = Integer.parseInt(line.substring(3));
                if (driver == null) {
                    driver = new Driver(agents, window, acked);
                    driver.start();
                } else {
                    driver.window = window;
                }
            } else if (line.equals("stop")) {
                break;
            }
        }
        if (driver != null) {
            driver.running = false;
            LockSupport.unpark(driver);
        }
        agents.parallelStream().forEach(SimulatedAgent::close);
        if (shared != null) {
            shared.close();
        }
        System.err.println("agents process: disconnects=" + disconnects.get());
        System.exit(0);
    }

    /**
     * {@code --agent-threads N} (default 2): all agents share N I/O and N handler threads, a cheap simulator
     * (each agent still a real TLS connection speaking the real protocol); {@code per-agent}: each agent has
     * its own I/O and handler thread, as a real agent process has (null: no sharing).
     */
    static TransportClient.SharedThreads sharedThreads(String option) {
        if ("per-agent".equals(option)) {
            return null;
        }
        int threads;
        try {
            threads = option == null ? 2 : Integer.parseInt(option);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--agent-threads is a number or per-agent, not " + option);
        }
        return new TransportClient.SharedThreads(threads, threads);
    }

    /** Sends ObservedStates round robin while fewer than {@code window} are unacknowledged. */
    private static final class Driver extends Thread {
        private final List<SimulatedAgent> agents;
        volatile int window;
        private final AtomicLong acked;
        volatile boolean running = true;

        Driver(List<SimulatedAgent> agents, int window, AtomicLong acked) {
            super("simulated-agents-driver");
            setDaemon(true);
            this.agents = agents;
            this.window = window;
            this.acked = acked;
        }

        @Override
        public void run() {
            long sent = 0;
            int next = 0;
            String uid = "00000000-0000-0000-0000-000000000000";
            while (running) {
                if (sent - acked.get() >= window) {
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                Connection connection = null;
                for (int tries = 0; connection == null && tries < agents.size(); tries++) {
                    connection = agents.get(next).connection();
                    next = next + 1 == agents.size() ? 0 : next + 1;
                }
                if (connection == null) {
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                Instant at = Instant.ofEpochSecond(0, System.nanoTime());
                connection.send(ObservedState.instances(List.of(new InstanceObservation(uid,
                        "tenants/t/workspaces/w/instances/vm-0", DomainState.RUNNING, 0, "", at)), false));
                sent++;
            }
        }
    }
}
