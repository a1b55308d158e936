package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Welcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconnectTest {

    @Test
    void clientReconnectsAfterServerClosesAndAfterServerRestart(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        controller.responder = (c, m) -> CompletableFuture.completedFuture(new Welcome(100));
        RecordingHandler agent = new RecordingHandler();
        TransportServer server = TestSupport.server(pki, controller).build();
        server.start();
        int port = server.agentPort();
        try (TransportClient client = TestSupport.client(server, pki.node("node-r"), agent).build()) {
            client.start();
            Connection first = agent.awaitConnected();
            controller.awaitConnected().close("kicked by test");
            assertEquals("kicked by test", controller.awaitDisconnected(Duration.ofSeconds(2)));
            agent.awaitDisconnected(Duration.ofSeconds(2));
            Connection second = agent.awaitConnected();
            assertNotSame(first, second);
            assertEquals(new Welcome(100), second.request(new Hello("node-r", null, List.of()), Duration.ofSeconds(2))
                    .get(2, TimeUnit.SECONDS));

            server.close();
            agent.awaitDisconnected(Duration.ofSeconds(2));
            Thread.sleep(300); // let the client fail a few connection attempts
            server = TestSupport.server(pki, controller).agentPort(port).build();
            server.start();
            Connection third = agent.awaitConnected();
            assertEquals(new Welcome(100), third.request(new Hello("node-r", null, List.of()), Duration.ofSeconds(2))
                    .get(2, TimeUnit.SECONDS));
            assertEquals(client.connection(), third);
        } finally {
            server.close();
        }
    }
}
