package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.DiskSpec;
import dev.sovra.model.DomainState;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.NicSpec;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.PowerState;
import dev.sovra.transport.TestSupport.Pki;
import dev.sovra.transport.TestSupport.RecordingHandler;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.EnrolResponse;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.message.Welcome;
import dev.sovra.transport.pki.Credentials;
import dev.sovra.transport.pki.EnrolmentToken;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent enrolled through the real enrolment port talks to the controller over mutual TLS. */
class RoundTripTest {
    static final Instant OBSERVED_AT = Instant.parse("2026-11-23T10:15:30.123456789Z");

    static NodeInventory inventory(String node) {
        return new NodeInventory(node, "AMD EPYC 9654", 192, 786_432,
                List.of(new NodeInventory.NumaNode(0, List.of(0, 1, 2, 3), 393_216),
                        new NodeInventory.NumaNode(1, List.of(4, 5, 6, 7), 393_216)),
                List.of("qemu", "kvm"), "kvm", "generic", "zone-a");
    }

    static InstanceSpec spec(String name) {
        return new InstanceSpec("uid-" + name, "tenants/t1/workspaces/ws1/instances/" + name, 2, 2048,
                new KernelBoot("/boot/vmlinuz", "/boot/initrd.img", "console=ttyS0"),
                List.of(new DiskSpec("boot", "5b0c4a1e-8d0a-4a51-9a3e-6f1f1c1d2e3f", "local"), new DiskSpec("data-1", "9f9e0c8b-2f6c-4a7e-8f55-2a6a1c7c9b10", "ceph")),
                List.of(new NicSpec("tn525400123456", "52:54:00:12:34:56")), PowerState.ON, 3);
    }

    @Test
    void enrolledAgentExchangesEveryKindOfMessage(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir.resolve("ca"));
        EnrolmentToken token = EnrolmentToken.generate(pki.ca().fingerprintSha256());
        Map<String, String> unusedTokens = new ConcurrentHashMap<>(Map.of(token.id(), token.secretSha256()));
        EnrolmentHandler enrolment = request -> {
            EnrolmentToken presented = EnrolmentToken.parse(request.token());
            if (!unusedTokens.remove(presented.id(), presented.secretSha256())) {
                throw new EnrolmentException("invalid-token", "unknown or used token");
            }
            try {
                return new EnrolResponse(pki.ca().signNodeCertificate(request.csrDer(), request.nodeName(), Duration.ofDays(1))
                        .getEncoded(), pki.ca().certificate().getEncoded());
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        };
        RecordingHandler controller = new RecordingHandler();
        controller.responder = (c, m) -> CompletableFuture.completedFuture(
                m instanceof Hello ? new Welcome(250) : new dev.sovra.transport.message.ErrorReply("unsupported", "?"));
        try (TransportServer server = TestSupport.server(pki, controller).enrolmentHandler(enrolment).build()) {
            server.start();
            assertTrue(server.agentPort() > 0 && server.enrolPort() > 0 && server.agentPort() != server.enrolPort());

            Credentials credentials = Enrolment.enrol("127.0.0.1", server.enrolPort(), EnrolmentToken.parse(token.toString()),
                    "node-1", Duration.ofSeconds(10));
            assertEquals("node-1", credentials.commonName());
            assertEquals(pki.ca().certificate(), credentials.ca());
            credentials.save(dir.resolve("agent"));
            Credentials loaded = Credentials.load(dir.resolve("agent"));
            assertEquals(credentials.certificate(), loaded.certificate());
            assertArrayEquals(credentials.key().getEncoded(), loaded.key().getEncoded());

            RecordingHandler agent = new RecordingHandler();
            agent.responder = (c, m) -> CompletableFuture.completedFuture(new Ack(((DesiredState) m).generation()));
            try (TransportClient client = TestSupport.client(server, loaded, agent).build()) {
                client.start();
                Connection toController = agent.awaitConnected();
                assertNull(toController.peerNodeId());
                List<InstanceObservation> observed = List.of(
                        new InstanceObservation("uid-a", "tenants/t1/workspaces/ws1/instances/a", DomainState.RUNNING, 2, "", OBSERVED_AT));
                Message welcome = toController.request(new Hello("node-1", inventory("node-1"), observed), Duration.ofSeconds(5))
                        .get(5, TimeUnit.SECONDS);
                assertEquals(new Welcome(250), welcome);

                Connection toAgent = controller.awaitConnected();
                assertEquals("node-1", toAgent.peerNodeId());
                Hello hello = (Hello) controller.requests.poll(1, TimeUnit.SECONDS);
                assertEquals(new Hello("node-1", inventory("node-1"), observed), hello);
                assertEquals(OBSERVED_AT, hello.observed().get(0).observedAt());

                DesiredState desired = DesiredState.instances(42, List.of(spec("vm1"), spec("vm2").withPower(PowerState.OFF)));
                Message ack = toAgent.request(desired, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
                assertEquals(new Ack(42), ack);
                assertEquals(desired, agent.requests.poll(1, TimeUnit.SECONDS));

                ObservedState report = ObservedState.instances(List.of(
                        new InstanceObservation("uid-vm1", "tenants/t1/workspaces/ws1/instances/vm1", DomainState.RUNNING, 3, "", OBSERVED_AT),
                        new InstanceObservation("uid-vm2", "tenants/t1/workspaces/ws1/instances/vm2", DomainState.FAILED, 0,
                                "libvirt: domain failed to start", OBSERVED_AT.plusNanos(1))), true);
                toController.send(report);
                Message received = controller.messages.poll(5, TimeUnit.SECONDS);
                assertEquals(report, received);
                assertInstanceOf(ObservedState.class, received);

                // an exceptional handler reply becomes ErrorReply("internal", ...) -> RemoteException
                controller.responder = (c, m) -> CompletableFuture.failedFuture(new IllegalStateException("store is down"));
                Throwable failure = toController.request(new Hello("node-1", inventory("node-1"), List.of()), Duration.ofSeconds(5))
                        .handle((m, e) -> e).get(5, TimeUnit.SECONDS);
                RemoteException remote = assertInstanceOf(RemoteException.class, failure);
                assertEquals("internal", remote.code());
                assertEquals("store is down", remote.remoteMessage());

                // heartbeats are consumed by the transport, never handed to the handler
                Thread.sleep(300);
                assertTrue(controller.messages.isEmpty() && agent.messages.isEmpty(), "heartbeats leaked to handlers");
                // callbacks never run on I/O threads
                assertFalse(controller.callbackThreads.stream().anyMatch(t -> t.contains("-io")), controller.callbackThreads.toString());
                assertFalse(agent.callbackThreads.stream().anyMatch(t -> t.contains("-io")), agent.callbackThreads.toString());
            }
            assertEquals("connection closed by peer", controller.awaitDisconnected(Duration.ofSeconds(5)));
        }
    }

    @Test
    void pendingRequestFailsWhenConnectionCloses(@TempDir Path dir) throws Exception {
        Pki pki = Pki.create(dir);
        RecordingHandler controller = new RecordingHandler();
        controller.responder = (c, m) -> new CompletableFuture<>(); // never answers
        try (TransportServer server = TestSupport.server(pki, controller).build()) {
            server.start();
            RecordingHandler agent = new RecordingHandler();
            try (TransportClient client = TestSupport.client(server, pki.node("node-2"), agent).build()) {
                client.start();
                Connection c = agent.awaitConnected();
                CompletableFuture<Message> pending = c.request(new Hello("node-2", inventory("node-2"), List.of()), Duration.ofSeconds(30));
                controller.requests.poll(5, TimeUnit.SECONDS);
                CompletableFuture<Message> timesOut = c.request(new Hello("node-2", inventory("node-2"), List.of()), Duration.ofMillis(100));
                Throwable timeout = timesOut.handle((m, e) -> e).get(5, TimeUnit.SECONDS);
                assertInstanceOf(java.util.concurrent.TimeoutException.class, timeout);
                controller.awaitConnected().close("kicked by test");
                Throwable closed = pending.handle((m, e) -> e).get(5, TimeUnit.SECONDS);
                assertInstanceOf(ConnectionClosedException.class, closed);
                assertEquals("kicked by test", controller.awaitDisconnected(Duration.ofSeconds(5)));
            }
        }
    }
}
