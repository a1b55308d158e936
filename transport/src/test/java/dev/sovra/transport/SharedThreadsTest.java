package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clients on {@link TransportClient.SharedThreads}: real connections, callbacks on the shared threads, closed one at a time. */
class SharedThreadsTest {

    @Test
    void clientsShareThreadsAndClosingOneLeavesTheOthersRunning(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        try (TransportServer server = TestSupport.server(pki, controller).build();
             TransportClient.SharedThreads shared = new TransportClient.SharedThreads(1, 1)) {
            server.start();
            RecordingHandler first = new RecordingHandler();
            RecordingHandler second = new RecordingHandler();
            for (RecordingHandler agent : List.of(first, second)) {
                agent.responder = (c, m) -> CompletableFuture.completedFuture(new Ack(((DesiredState) m).generation()));
            }
            TransportClient firstClient = TestSupport.client(server, pki.node("first"), first).sharedThreads(shared).build();
            try (TransportClient secondClient = TestSupport.client(server, pki.node("second"), second).sharedThreads(shared).build()) {
                firstClient.start();
                secondClient.start();
                first.awaitConnected();
                second.awaitConnected();
                Map<String, Connection> toAgent = new HashMap<>();
                for (int i = 0; i < 2; i++) {
                    Connection c = controller.connected.poll(10, TimeUnit.SECONDS);
                    toAgent.put(c.peerNodeId(), c);
                }
                assertEquals(new Ack(1), toAgent.get("first").request(DesiredState.instances(1, List.of()), Duration.ofSeconds(5))
                        .get(5, TimeUnit.SECONDS));
                assertEquals(new Ack(2), toAgent.get("second").request(DesiredState.instances(2, List.of()), Duration.ofSeconds(5))
                        .get(5, TimeUnit.SECONDS));
                // one shared handler thread runs both agents' callbacks
                Set<String> threads = new java.util.HashSet<>(first.callbackThreads);
                threads.addAll(second.callbackThreads);
                assertEquals(1, threads.size(), "callback threads " + threads);
                assertTrue(threads.iterator().next().startsWith("sovra-agent-handler"), "callback threads " + threads);

                firstClient.close();
                assertEquals("client closed", first.disconnected.poll(5, TimeUnit.SECONDS));
                assertEquals(new Ack(3), toAgent.get("second").request(DesiredState.instances(3, List.of()), Duration.ofSeconds(5))
                        .get(5, TimeUnit.SECONDS), "the other client stopped with the first");
            }
        }
    }
}
