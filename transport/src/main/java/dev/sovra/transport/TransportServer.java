package dev.sovra.transport;

import dev.sovra.transport.message.EnrolRequest;
import dev.sovra.transport.message.ErrorReply;
import dev.sovra.transport.message.Message;
import dev.sovra.transport.pki.Credentials;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controller side of the transport: the mutually authenticated agent port and the enrolment port.
 *
 * <pre>{@code
 * TransportServer server = TransportServer.builder()
 *         .bindHost("0.0.0.0").agentPort(9443).enrolPort(9444)
 *         .credentials(ca.issueServerCredentials(names, addresses))
 *         .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(5))
 *         .agentHandler(gateway).enrolmentHandler(enrolment)
 *         .build();
 * server.start();
 * }</pre>
 */
public final class TransportServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransportServer.class);
    /** The enrolment port is unauthenticated: its frames are small and its connections short. */
    static final int ENROL_MAX_FRAME_BYTES = 64 * 1024;
    static final long ENROL_IDLE_MILLIS = 30_000;

    private final Builder config;
    private final SslContext agentSsl;
    private final SslContext enrolSsl;
    private final Set<NettyConnection> connections = ConcurrentHashMap.newKeySet();
    private final OutboundBudget outboundBudget;
    private EventLoopGroup ioGroup;
    private EventExecutorGroup handlerGroup;
    private Channel agentChannel;
    private Channel enrolChannel;
    private volatile boolean closed;

    private TransportServer(Builder config) {
        this.config = config;
        this.agentSsl = config.credentials.serverContext(true);
        this.enrolSsl = config.enrolEnabled() ? config.credentials.serverContext(false) : null;
        this.outboundBudget = new OutboundBudget(config.maxTotalOutboundBytes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds both ports and returns once they listen.
     *
     * @throws UncheckedIOException (cause {@link BindException}) if a port cannot be bound
     * @throws IllegalStateException if already started or closed
     */
    public synchronized void start() {
        if (ioGroup != null || closed) {
            throw new IllegalStateException("transport server already started");
        }
        ioGroup = new MultiThreadIoEventLoopGroup(config.ioThreads, new DefaultThreadFactory("sovra-transport-io", true),
                IoTransport.ioHandlerFactory());
        handlerGroup = new DefaultEventExecutorGroup(config.handlerThreads,
                new DefaultThreadFactory("sovra-transport-handler", true));
        try {
            ConnectionOptions agentOptions = new ConnectionOptions("agent-port", config.maxFrameBytes, config.maxInFlight,
                    config.maxOutboundBytes,
                    config.heartbeatInterval.toMillis(), config.heartbeatTimeout.toMillis(), true, false);
            agentChannel = bind(config.agentPort, agentSsl, agentOptions, config.agentHandler, outboundBudget);
            if (config.enrolEnabled()) {
                ConnectionOptions enrolOptions = new ConnectionOptions("enrol-port",
                        Math.min(config.maxFrameBytes, ENROL_MAX_FRAME_BYTES), 1, ENROL_MAX_FRAME_BYTES, 0, ENROL_IDLE_MILLIS,
                        false, true);
                enrolChannel = bind(config.enrolPort, enrolSsl, enrolOptions, new EnrolmentPort(config.enrolmentHandler), null);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("transport server started io={} ssl={} host={} agentPort={} enrolPort={} heartbeatIntervalMs={} heartbeatTimeoutMs={}"
                        + " maxFrameBytes={} maxInFlight={} maxOutboundBytes={} maxTotalOutboundBytes={}", IoTransport.name(),
                Credentials.sslProvider(), config.bindHost, agentPort(), enrolPort(), config.heartbeatInterval.toMillis(),
                config.heartbeatTimeout.toMillis(), config.maxFrameBytes, config.maxInFlight, config.maxOutboundBytes,
                config.maxTotalOutboundBytes);
    }

    private Channel bind(int port, SslContext ssl, ConnectionOptions options, MessageHandler handler, OutboundBudget budget) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(ioGroup)
                .channel(IoTransport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowWaterMark, config.writeBufferHighWaterMark))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler sslHandler = ssl.newHandler(ch.alloc());
                        sslHandler.setHandshakeTimeoutMillis(config.handshakeTimeout.toMillis());
                        NettyConnection connection = NettyConnection.install(ch, sslHandler, handlerGroup.next(), handler, options, budget);
                        connections.add(connection);
                        ch.closeFuture().addListener(f -> connections.remove(connection));
                        if (closed) {
                            connection.close("transport stopped");
                        }
                    }
                });
        ChannelFuture future = bootstrap.bind(new InetSocketAddress(config.bindHost, port)).awaitUninterruptibly();
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            BindException bind = new BindException("cannot listen on " + config.bindHost + ":" + port + ": " + cause.getMessage());
            bind.initCause(cause);
            throw new UncheckedIOException(bind);
        }
        return future.channel();
    }

    /** The bound agent (mTLS) port; useful when configured as 0. */
    public int agentPort() {
        return agentChannel == null ? -1 : ((InetSocketAddress) agentChannel.localAddress()).getPort();
    }

    /** The bound enrolment port, or -1 if enrolment is disabled. */
    public int enrolPort() {
        return enrolChannel == null ? -1 : ((InetSocketAddress) enrolChannel.localAddress()).getPort();
    }

    /** Bytes waiting to be sent over all agent connections together, as counted against the outbound budget. */
    long outboundBytesWaiting() {
        return outboundBudget.used();
    }

    /** Snapshot of the established agent-port connections. */
    public Collection<Connection> connections() {
        return connections.stream().filter(c -> c.peerNodeId() != null && c.isOpen()).map(c -> (Connection) c).toList();
    }

    /** Stops listening, closes every connection (handlers get onDisconnected "transport stopped") and stops threads. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Channel listener : new Channel[] {agentChannel, enrolChannel}) {
            if (listener != null) {
                listener.close().awaitUninterruptibly();
            }
        }
        for (NettyConnection connection : List.copyOf(connections)) {
            connection.close("transport stopped");
        }
        for (NettyConnection connection : List.copyOf(connections)) {
            connection.channel().closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (handlerGroup != null) {
            boolean onHandlerThread = false;
            for (var executor : handlerGroup) {
                onHandlerThread |= executor.inEventLoop();
            }
            var termination = handlerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            if (!onHandlerThread) {
                termination.awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        log.info("transport server stopped host={}", config.bindHost);
    }

    /** Enrolment port: exactly one EnrolRequest per connection, answered by the EnrolmentHandler. */
    private static final class EnrolmentPort implements MessageHandler {
        private final EnrolmentHandler enrolment;

        EnrolmentPort(EnrolmentHandler enrolment) {
            this.enrolment = enrolment;
        }

        @Override
        public void onConnected(Connection connection) {}

        @Override
        public void onMessage(Connection connection, Message message) {
            connection.close("one-way message on the enrolment port");
        }

        @Override
        public CompletableFuture<? extends Message> onRequest(Connection connection, Message request) {
            if (!(request instanceof EnrolRequest enrolRequest)) {
                connection.close("only EnrolRequest is accepted on the enrolment port");
                return new CompletableFuture<>();
            }
            try {
                return CompletableFuture.completedFuture(enrolment.enrol(enrolRequest));
            } catch (EnrolmentException e) {
                log.info("enrolment refused node={} remote={} code={} reason=\"{}\"", enrolRequest.nodeName(),
                        connection.remoteAddress(), e.code(), e.getMessage());
                return CompletableFuture.completedFuture(new ErrorReply(e.code(), e.getMessage()));
            }
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {}
    }

    /** Options of a {@link TransportServer}. */
    public static final class Builder extends ConnectionSettings<Builder> {
        private String bindHost = "0.0.0.0";
        private int agentPort = 9443;
        private int enrolPort = 9444;
        private Duration heartbeatTimeout = Duration.ofSeconds(5);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private int ioThreads = 0;
        private int handlerThreads = Math.max(4, Runtime.getRuntime().availableProcessors());
        private MessageHandler agentHandler;
        private EnrolmentHandler enrolmentHandler;
        private long maxTotalOutboundBytes = 256L * 1024 * 1024;

        private Builder() {}

        /**
         * The controller-wide bound on bytes waiting to be sent over all agent connections together (each is also
         * bounded by {@link #maxOutboundBytes}). Over it, the connection holding the most waiting bytes is closed with
         * reason "outbound budget exceeded" (its peer reads slowest; it resynchronises on reconnect); above half of it,
         * {@link Connection#isWritable()} is false on every agent connection, so that senders that respect writability
         * (the controller's pushes) wait instead of running into evictions. Default 256 MiB,
         * half of what Netty may allocate as direct memory under the controller's {@code -Xmx512m}; at least
         * {@link #maxOutboundBytes} and the largest frame.
         */
        public Builder maxTotalOutboundBytes(long bytes) {
            this.maxTotalOutboundBytes = bytes;
            return this;
        }

        public Builder bindHost(String host) {
            this.bindHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Agent port (mutual TLS); 0 picks a free port. Default 9443. */
        public Builder agentPort(int port) {
            this.agentPort = port;
            return this;
        }

        /** Enrolment port (server-authenticated TLS); 0 picks a free port, -1 disables enrolment. Default 9444. */
        public Builder enrolPort(int port) {
            this.enrolPort = port;
            return this;
        }

        /** No frame read from an agent for this long closes it ("heartbeat timeout"). Default 5 s; zero disables. */
        public Builder heartbeatTimeout(Duration timeout) {
            this.heartbeatTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** TLS handshake must finish within this. Default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** I/O threads; 0 means Netty's default (2 x cores). */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** Threads running handler callbacks; each connection sticks to one. Default max(4, cores). */
        public Builder handlerThreads(int threads) {
            this.handlerThreads = threads;
            return this;
        }

        public Builder agentHandler(MessageHandler handler) {
            this.agentHandler = handler;
            return this;
        }

        /** Answers EnrolRequests on the enrolment port; without one the enrolment port is not opened. */
        public Builder enrolmentHandler(EnrolmentHandler handler) {
            this.enrolmentHandler = handler;
            return this;
        }

        boolean enrolEnabled() {
            return enrolmentHandler != null && enrolPort >= 0;
        }

        public TransportServer build() {
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(agentHandler, "agentHandler");
            checkPort(agentPort, "agentPort");
            if (enrolPort >= 0) {
                checkPort(enrolPort, "enrolPort");
            }
            if (heartbeatInterval.isNegative() || heartbeatTimeout.isNegative()) {
                throw new IllegalArgumentException("heartbeat durations must not be negative");
            }
            if (handlerThreads < 1 || ioThreads < 0) {
                throw new IllegalArgumentException("need handlerThreads >= 1 and ioThreads >= 0");
            }
            // validates maxFrameBytes and maxInFlight
            new ConnectionOptions("check", maxFrameBytes, maxInFlight, maxOutboundBytes, 0, 0, false, false);
            checkOutboundBound();
            if (maxTotalOutboundBytes < Math.max(maxOutboundBytes, maxFrameBytes)) {
                throw new IllegalArgumentException("maxTotalOutboundBytes " + maxTotalOutboundBytes + " below maxOutboundBytes "
                        + maxOutboundBytes + " or maxFrameBytes " + maxFrameBytes);
            }
            return new TransportServer(this);
        }

        private static void checkPort(int port, String name) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(name + " out of range: " + port);
            }
        }
    }
}
