package dev.sovra.bench;

import dev.sovra.transport.Enrolment;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One SIMULATED agent ({@link E2eAgent}) in a JVM of its own, for {@code bench e2e --kill}: the bench kills this
 * process (kill -9) or stops it (SIGSTOP) mid-stream. Benchmarks only. It enrols with the given one-time token
 * and speaks on stdout:
 * <pre>
 *   welcomed                  connected, Hello answered
 *   seen NAME NANOS           first DesiredState holding instance NAME, at System.nanoTime() (CLOCK_MONOTONIC,
 *                             shared by the processes of the host, as AgentsProcess relies on too)
 * </pre>
 * It exits when its stdin closes.
 */
final class E2eAgentProcess {
    private E2eAgentProcess() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(List.of(argv));
        String nodeId = args.option("--node-id");
        Credentials credentials = Enrolment.enrol("127.0.0.1", args.intOption("--enrol-port", 0),
                EnrolmentToken.parse(args.option("--token")), nodeId, Duration.ofSeconds(60));
        PrintStream out = System.out;
        ExecutorService reporter = Executors.newSingleThreadExecutor();
        E2eAgent agent = new E2eAgent(nodeId, credentials, args.intOption("--agent-port", 0), (name, nanos) -> {
            synchronized (out) {
                out.println("seen " + name + " " + nanos);
                out.flush();
            }
        }, reporter, new AtomicInteger(), new AtomicLong(), new AtomicLong());
        agent.start();
        if (!agent.welcomed().await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("simulated agent " + nodeId + " not welcomed within 120 s");
        }
        synchronized (out) {
            out.println("welcomed");
            out.flush();
        }
        InputStream in = System.in;
        while (in.read() >= 0) {
            // the parent holds stdin open while it wants this agent
        }
        agent.close();
        reporter.shutdownNow();
        System.exit(0);
    }
}
