package dev.sovra.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkApplyGateTest {
    private static final Underlay UNDERLAY = new Underlay("198.18.0.1", TunnelType.VXLAN, 1500);
    private static final NodeNetworkSpec EMPTY = NodeNetworkSpec.empty(UNDERLAY);
    private static final NodeNetworkSpec ONE_SEGMENT = new NodeNetworkSpec(UNDERLAY,
            List.of(new Segment("net", 7, List.of(Subnet.of("10.0.0.0/24", "10.0.0.1")), List.of())),
            List.of(), List.of(), List.of());

    private final MutableClock clock = new MutableClock();
    private final NetworkApplyGate gate = new NetworkApplyGate(clock, Duration.ofSeconds(30));

    @Test
    void aFreshGateAppliesAtOnceAndAnUnchangedSpecWaitsForTheRepairPeriod() {
        assertTrue(gate.due(EMPTY, false), "nothing applied yet (a restarted agent)");
        gate.applied(EMPTY);
        clock.advance(Duration.ofSeconds(29));
        assertFalse(gate.due(EMPTY, false), "same spec, nothing started, within the repair period");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(gate.due(EMPTY, false), "the repair period is over");
    }

    @Test
    void aNewSpecOrAStartedDomainIsAppliedAtOnce() {
        gate.applied(EMPTY);
        assertTrue(gate.due(ONE_SEGMENT, false), "the spec changed");
        assertTrue(gate.due(EMPTY, true), "a domain started: its tap is new");
        gate.applied(ONE_SEGMENT);
        assertTrue(gate.due(EMPTY, false), "back to the old spec is a change too");
    }

    @Test
    void aFailedApplyIsNotRecordedSoTheNextPassRetries() {
        gate.applied(EMPTY);
        assertTrue(gate.due(ONE_SEGMENT, false));
        // the apply of ONE_SEGMENT failed: applied() was not called
        assertTrue(gate.due(ONE_SEGMENT, false), "still due on the next pass");
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-23T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
