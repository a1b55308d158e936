package dev.sovra.transport;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** One process-wide wheel timer for request timeouts: cheap to arm and to cancel at high rates. */
final class Timers {
    static final Timer REQUEST_TIMEOUTS = new HashedWheelTimer(
            new DefaultThreadFactory("sovra-transport-timer", true), 10, TimeUnit.MILLISECONDS, 1024);

    private Timers() {}
}
