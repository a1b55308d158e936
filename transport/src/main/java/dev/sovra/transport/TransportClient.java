package dev.sovra.transport;

import dev.sovra.transport.pki.Credentials;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent side of the transport: keeps one mutually authenticated connection to the controller,
 * reconnecting with exponential backoff and jitter after any loss until {@link #close()}. Every new
 * connection fires {@link MessageHandler#onConnected} (where the agent says Hello: full resync).
 */
public final class TransportClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransportClient.class);

    private final Builder config;
    private final SslContext ssl;
    private final ConnectionOptions options;
    private final EventLoopGroup ioGroup;
    private final EventExecutorGroup handlerGroup;
    /** Whether the groups are this client's own (shut down on close) or {@link SharedThreads}. */
    private final boolean ownThreads;
    /** Connects, resolves the host and waits out backoff delays; never an I/O thread. */
    private final EventExecutor control;
    private final Bootstrap bootstrap;
    private volatile boolean running;
    private volatile boolean closed;
    private volatile NettyConnection current;
    private int attempt;

    private TransportClient(Builder config) {
        this.config = config;
        this.ssl = config.credentials.clientContext();
        this.options = new ConnectionOptions("client", config.maxFrameBytes, config.maxInFlight, config.maxOutboundBytes,
                config.heartbeatInterval.toMillis(), config.readIdleTimeout.toMillis(), false, false);
        this.ownThreads = config.sharedThreads == null;
        if (ownThreads) {
            this.ioGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sovra-agent-io", true),
                    IoTransport.ioHandlerFactory());
            this.handlerGroup = new DefaultEventExecutorGroup(1, new DefaultThreadFactory("sovra-agent-handler", true));
        } else {
            this.ioGroup = config.sharedThreads.ioGroup;
            this.handlerGroup = config.sharedThreads.handlerGroup;
        }
        this.control = handlerGroup.next();
        this.bootstrap = new Bootstrap()
                .group(ioGroup)
                .channel(IoTransport.socketChannel())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout.toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowWaterMark, config.writeBufferHighWaterMark))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler sslHandler = ssl.newHandler(ch.alloc(), config.host, config.port);
                        sslHandler.setHandshakeTimeoutMillis(config.connectTimeout.toMillis());
                        current = NettyConnection.install(ch, sslHandler, handlerGroup.next(), config.handler, options);
                    }
                });
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts connecting in the background; returns immediately. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("transport client closed");
        }
        if (running) {
            return;
        }
        running = true;
        log.info("transport client starting controller={}:{}", config.host, config.port);
        control.execute(this::connect);
    }

    /** The current connection if it is open, else null. */
    public Connection connection() {
        NettyConnection c = current;
        return c != null && c.isOpen() && c.handshakeFuture().isDone() && !c.handshakeFuture().isCompletedExceptionally()
                ? c : null;
    }

    public boolean isConnected() {
        return connection() != null;
    }

    /** Control thread. */
    private void connect() {
        if (!running) {
            return;
        }
        InetSocketAddress address = new InetSocketAddress(config.host, config.port); // may block on DNS: not an I/O thread
        if (address.isUnresolved()) {
            log.warn("controller address unresolvable host={}", config.host);
            scheduleReconnect("unresolvable host " + config.host);
            return;
        }
        ChannelFuture future = bootstrap.connect(address);
        future.addListener(f -> {
            if (!f.isSuccess()) {
                scheduleReconnect("connect failed: " + FrameDecoder.oneLine(NettyConnection.rootCause(f.cause())));
                return;
            }
            NettyConnection connection = (NettyConnection) future.channel().pipeline().get(NettyConnection.CONNECTION);
            if (connection == null) {
                future.channel().closeFuture().addListener(c -> scheduleReconnect("closed"));
            } else {
                connection.terminationFuture().whenComplete((reason, e) -> {
                    if (!running) {
                        return;
                    }
                    if (connection.receivedFrame()) {
                        try {
                            control.execute(() -> attempt = 0); // the controller had accepted us: start backoff afresh
                        } catch (RejectedExecutionException closing) {
                            return;
                        }
                    }
                    scheduleReconnect(reason);
                });
            }
            if (!running) {
                future.channel().close();
            }
        });
    }

    private void scheduleReconnect(String reason) {
        if (!running) {
            return;
        }
        try {
            control.execute(() -> {
                long delay = nextDelayMillis();
                log.info("controller connection lost controller={}:{} reason=\"{}\" retryInMs={}", config.host, config.port,
                        reason, delay);
                control.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Exponential backoff with jitter between the configured bounds ("equal jitter"). Control thread. */
    private long nextDelayMillis() {
        long min = config.reconnectMinDelay.toMillis();
        long max = config.reconnectMaxDelay.toMillis();
        long base = min << Math.min(attempt, 20);
        if (base <= 0 || base > max) {
            base = max;
        }
        attempt++;
        long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        return Math.max(min, Math.min(max, jittered));
    }

    /** Closes the connection (onDisconnected "client closed") and stops reconnecting. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = false;
        }
        NettyConnection c = current;
        if (c != null) {
            c.close("client closed");
            c.channel().closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (!ownThreads) {
            log.info("transport client stopped controller={}:{}", config.host, config.port);
            return;
        }
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        boolean onHandlerThread = control.inEventLoop();
        var termination = handlerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        if (!onHandlerThread) {
            termination.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        log.info("transport client stopped controller={}:{}", config.host, config.port);
    }

    /**
     * I/O and handler threads that many clients in one process share (the benchmark's simulated agents:
     * a thousand clients need not be two thousand threads). Each connection still sticks to one thread of
     * each group, so the ordering and threading guarantees of {@link MessageHandler} hold. Close it after
     * the clients that use it; a client never shuts it down.
     */
    public static final class SharedThreads implements AutoCloseable {
        private final EventLoopGroup ioGroup;
        private final EventExecutorGroup handlerGroup;

        public SharedThreads(int ioThreads, int handlerThreads) {
            if (ioThreads < 1 || handlerThreads < 1) {
                throw new IllegalArgumentException("need ioThreads >= 1 and handlerThreads >= 1, was " + ioThreads + "/" + handlerThreads);
            }
            this.ioGroup = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("sovra-agent-io", true),
                    IoTransport.ioHandlerFactory());
            this.handlerGroup = new DefaultEventExecutorGroup(handlerThreads, new DefaultThreadFactory("sovra-agent-handler", true));
        }

        @Override
        public void close() {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            handlerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Options of a {@link TransportClient}. */
    public static final class Builder extends ConnectionSettings<Builder> {
        private String host;
        private int port = 9443;
        private Duration readIdleTimeout = Duration.ofSeconds(5);
        private Duration reconnectMinDelay = Duration.ofMillis(200);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private MessageHandler handler;
        private SharedThreads sharedThreads;

        private Builder() {}

        /** Runs on these shared threads instead of an I/O and a handler thread of its own (the default). */
        public Builder sharedThreads(SharedThreads threads) {
            this.sharedThreads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /** Controller host name or address; must match a SAN of the controller certificate. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Controller silent for this long: drop the connection and reconnect. Default 5 s; zero disables. */
        public Builder readIdleTimeout(Duration timeout) {
            this.readIdleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Reconnect backoff bounds. Defaults 200 ms .. 5 s. */
        public Builder reconnectBackoff(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("need 0 < min <= max, was " + min + " .. " + max);
            }
            this.reconnectMinDelay = min;
            this.reconnectMaxDelay = max;
            return this;
        }

        /** TCP connect and TLS handshake timeout each. Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder handler(MessageHandler handler) {
            this.handler = handler;
            return this;
        }

        public TransportClient build() {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(handler, "handler");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            if (heartbeatInterval.isNegative() || readIdleTimeout.isNegative()) {
                throw new IllegalArgumentException("heartbeat durations must not be negative");
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive");
            }
            checkOutboundBound();
            return new TransportClient(this);
        }
    }
}
