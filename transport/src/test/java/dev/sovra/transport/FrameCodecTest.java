package dev.sovra.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovra.model.DomainState;
import dev.sovra.model.ImageSpec;
import dev.sovra.model.InstanceObservation;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.StorageState;
import dev.sovra.model.VolumeSpec;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.PortRange;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.Router;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.SegmentObservation;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import dev.sovra.transport.message.Ack;
import dev.sovra.transport.message.DesiredState;
import dev.sovra.transport.message.EnrolRequest;
import dev.sovra.transport.message.EnrolResponse;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Heartbeat;
import dev.sovra.transport.message.Hello;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.message.MessageType;
import dev.sovra.transport.message.ObservedState;
import dev.sovra.transport.message.Welcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    static Message roundTrip(byte kind, long id, Message message) throws Exception {
        ByteBuf frame = FrameCodec.encode(PooledByteBufAllocator.DEFAULT, kind, id, message, FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        try {
            assertEquals(frame.readableBytes() - 4, frame.readInt());
            MessageType type = MessageType.fromCode(frame.readUnsignedByte());
            assertEquals(MessageType.of(message), type);
            assertEquals(kind, frame.readByte());
            assertEquals(id, frame.readLong());
            byte[] body = new byte[frame.readableBytes()];
            frame.getBytes(frame.readerIndex(), body);
            assertFalse(new String(body, StandardCharsets.ISO_8859_1).contains("messageType"), "derived method serialised");
            Message decoded = FrameCodec.decodeBody(type, frame, frame.readableBytes());
            assertFalse(frame.isReadable());
            return decoded;
        } finally {
            frame.release();
        }
    }

    @Test
    void everyMessageTypeRoundTrips() throws Exception {
        Instant at = Instant.parse("2026-01-02T03:04:05.000000006Z");
        List<Message> messages = List.of(
                new Hello("n", RoundTripTest.inventory("n"), List.of(new InstanceObservation("u", "r", DomainState.CRASHED, 9, "m", at))),
                new Welcome(1000), DesiredState.instances(Long.MAX_VALUE, List.of(RoundTripTest.spec("a"))), new Ack(-1),
                ObservedState.instances(List.of(), false), new Heartbeat(123), new ErrorReply("code", "text"),
                new DesiredState(3, List.of(RoundTripTest.spec("b")),
                        List.of(new VolumeSpec("v1", "tenants/t/workspaces/w/block-storages/b", "local", 20_480, "i1", true),
                                new VolumeSpec("v2", "tenants/t/workspaces/w/block-storages/old", "ceph", 0, null, false)),
                        List.of(new ImageSpec("i1", "tenants/t/images/img", "local", "v0", null, true),
                                new ImageSpec("i2", "tenants/t/images/debian", "ceph", null, "/srv/debian-12.qcow2", true))),
                new DesiredState(4, List.of(), List.of(), List.of(), tenantNetwork()),
                new Hello("n2", RoundTripTest.inventory("n2").withUnderlay(new Underlay("192.0.2.1", TunnelType.GENEVE, 9000)), List.of()),
                new ObservedState(List.of(), List.of(new StorageObservation("v1", "r", StorageState.IN_USE, 20_480, "attached", at)),
                        List.of(new StorageObservation("i1", "r", StorageState.READY, 64, "", at)), false),
                ObservedState.network(List.of(new SegmentObservation("tenants/t/workspaces/w/networks/n", 4097))),
                ObservedState.network(List.of()));
        for (Message m : messages) {
            assertEquals(m, roundTrip(FrameCodec.REQUEST, 77, m));
        }
        EnrolRequest request = (EnrolRequest) roundTrip(FrameCodec.REQUEST, 1, new EnrolRequest("t", "n", new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, request.csrDer());
        EnrolResponse response = (EnrolResponse) roundTrip(FrameCodec.RESPONSE, 1, new EnrolResponse(new byte[] {4}, new byte[] {5, 6}));
        assertArrayEquals(new byte[] {5, 6}, response.caCertificateDer());
    }

    /** A node network spec using every record and option, so the codec must carry each of them. */
    private static NodeNetworkSpec tenantNetwork() {
        Segment segment = new Segment("tenants/t/workspaces/w/networks/n", 4097,
                List.of(new Subnet("10.1.0.0/24", "10.1.0.1", "10.1.0.254"), Subnet.of("10.1.1.0/24", null)), List.of("192.0.2.2"));
        SecurityGroup web = SecurityGroup.scsCustom("web", List.of(SecurityRule.ingress(Protocol.TCP, new PortRange(80, 443), "10.0.0.0/8"),
                SecurityRule.ingressFromGroup(Protocol.ICMP, null, "default")));
        return new NodeNetworkSpec(new Underlay("192.0.2.1", TunnelType.VXLAN), List.of(segment),
                List.of(new NicPort("nic-a", "tapa", "02:00:00:00:00:0a", List.of("10.1.0.10"), segment.networkId(), List.of("web"))),
                List.of(new RemoteNic("nic-b", "02:00:00:00:00:0b", List.of("10.1.1.11"), segment.networkId(), "192.0.2.2",
                        List.of("default"))),
                List.of(web, SecurityGroup.scsDefault("default")))
                .withRouters(List.of(new Router(segment.networkId(), new Router.ExternalLeg("203.0.113.5", "203.0.113.0/24", "203.0.113.1"),
                        List.of(new Router.InternetRoute("10.1.0.0/24", "0.0.0.0/0")),
                        List.of(new Router.NextHopRoute("10.1.0.0/24", "10.9.0.0/16", "10.1.0.20")),
                        List.of(new Router.PublicIpMapping("203.0.113.9", "10.1.0.10")))));
    }

    @Test
    void typeCodesAreStableAndUnique() {
        Set<Byte> codes = new HashSet<>();
        for (MessageType t : MessageType.values()) {
            codes.add(t.code());
            assertEquals(t, MessageType.fromCode(t.code()));
        }
        assertEquals(MessageType.values().length, codes.size());
        assertEquals(1, MessageType.HELLO.code());
        assertEquals(9, MessageType.ERROR_REPLY.code());
        assertNull(MessageType.fromCode(0));
        assertNull(MessageType.fromCode(200));
        assertNull(MessageType.fromCode(-1));
    }

    @Test
    void oversizedOutboundMessageIsRefusedAtTheSender() {
        Message big = new ErrorReply("x", "y".repeat(2000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FrameCodec.encode(PooledByteBufAllocator.DEFAULT, FrameCodec.ONE_WAY, 0, big, 1000));
        assertEquals(true, e.getMessage().contains("maximum of 1000"));
    }
}
