package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An RFC 7047 OVSDB client over ovsdb-server's local unix socket: JSON-RPC 1.0 on Netty, JSON with Jackson.
 *
 * <p>One connection per client. Requests carry numeric ids and are matched to replies; each fails with
 * {@link OvsdbException.Code#TIMEOUT} after the request timeout, and every pending request fails at once with
 * {@link OvsdbException.Code#CONNECTION_CLOSED} when the connection drops. The client answers the server's
 * {@code echo} requests (inactivity probes) itself. Reconnecting is the caller's business: watch
 * {@link #closeFuture()}, then connect a new client and re-create monitors.
 *
 * <p>Threads: one Netty I/O thread and one event thread per client. Futures returned by the {@code ...Async}
 * methods complete on the I/O thread, so stages chained on them must not block (the blocking methods refuse to
 * run there). {@link MonitorListener}s run on the event thread and may call blocking methods.
 */
public final class OvsdbClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OvsdbClient.class);

    /** Where Debian's openvswitch-switch (ovs-ctl) puts ovsdb-server's socket. */
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/openvswitch/db.sock");
    public static final String OPEN_VSWITCH_DB = "Open_vSwitch";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Largest single JSON-RPC message accepted (the vswitch schema is ~50 KB; a big monitor reply a few MB). */
    static final long MAX_MESSAGE_BYTES = 64L * 1024 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Path socketPath;
    private final Duration requestTimeout;
    private final EventLoopGroup ioGroup;
    private final ExecutorService events;
    private final Channel channel;
    private final AtomicLong nextId = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, MonitorListener> monitors = new ConcurrentHashMap<>();
    private final AtomicLong echoRequestsAnswered = new AtomicLong();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicReference<OvsdbException> closedCause = new AtomicReference<>();

    private record Pending(String method, CompletableFuture<JsonNode> future, Consumer<JsonNode> onResult) {
    }

    private OvsdbClient(Path socketPath, Duration requestTimeout) {
        this.socketPath = socketPath;
        this.requestTimeout = requestTimeout;
        this.ioGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sovra-ovsdb-io", true),
                NioIoHandler.newFactory());
        this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("sovra-ovsdb-events", true));
        Bootstrap bootstrap = new Bootstrap()
                .group(ioGroup)
                .channel(NioDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(requestTimeout.toMillis(), Integer.MAX_VALUE))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("json", new JsonStreamDecoder(MAPPER, MAX_MESSAGE_BYTES));
                        ch.pipeline().addLast("rpc", new Dispatcher());
                    }
                });
        ChannelFuture connect = bootstrap.connect(UnixDomainSocketAddress.of(socketPath));
        connect.awaitUninterruptibly();
        if (!connect.isSuccess()) {
            shutdownThreads();
            throw new OvsdbException(OvsdbException.Code.CONNECT_FAILED,
                    "cannot connect to ovsdb-server at " + socketPath + ": " + connect.cause(), connect.cause());
        }
        this.channel = connect.channel();
    }

    /** Connects to ovsdb-server at {@link #DEFAULT_SOCKET} with the default request timeout. */
    public static OvsdbClient connect() {
        return connect(DEFAULT_SOCKET, DEFAULT_REQUEST_TIMEOUT);
    }

    public static OvsdbClient connect(Path socketPath) {
        return connect(socketPath, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Connects to the ovsdb-server unix socket at {@code socketPath}.
     *
     * @param requestTimeout how long any request may wait for its reply
     * @throws OvsdbException {@code CONNECT_FAILED} if the socket cannot be connected
     */
    public static OvsdbClient connect(Path socketPath, Duration requestTimeout) {
        Objects.requireNonNull(socketPath, "socketPath");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        return new OvsdbClient(socketPath, requestTimeout);
    }

    public Path socketPath() {
        return socketPath;
    }

    public boolean isConnected() {
        return closedCause.get() == null && channel.isActive();
    }

    /** Completes (normally) once the connection is gone, whether lost or closed by {@link #close()}. */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture.copy();
    }

    /** How many {@code echo} requests (inactivity probes) from the server this client has answered. */
    public long echoRequestsAnswered() {
        return echoRequestsAnswered.get();
    }

    // ---------------------------------------------------------------- RFC 7047 methods

    /** {@code list_dbs}: the databases the server holds (e.g. {@code Open_vSwitch}, {@code _Server}). */
    public List<String> listDbs() {
        JsonNode result = await(call("list_dbs", JSON.arrayNode(), null, requestTimeout));
        List<String> names = new ArrayList<>();
        result.forEach(name -> names.add(name.asText()));
        return List.copyOf(names);
    }

    /** {@code get_schema}. */
    public DatabaseSchema getSchema(String db) {
        return DatabaseSchema.parse(await(call("get_schema", JSON.arrayNode().add(db), null, requestTimeout)));
    }

    /** {@code echo}: a round trip to the server (liveness check). */
    public void echo() {
        ArrayNode payload = JSON.arrayNode().add("sovra-" + System.nanoTime());
        JsonNode result = await(call("echo", payload, null, requestTimeout));
        if (!payload.equals(result)) {
            throw new OvsdbException(OvsdbException.Code.PROTOCOL_ERROR, "echo returned " + result + ", sent " + payload);
        }
    }

    /**
     * {@code transact}: runs the operations as one atomic transaction and returns one result per operation.
     *
     * @throws OvsdbException {@code OPERATION_FAILED} (with the operation's index and ovsdb's error and details)
     *     or {@code COMMIT_FAILED} if the transaction did not commit; {@code RPC_ERROR} if the server refused
     *     the request as a whole (e.g. unknown database); {@code TIMEOUT}, {@code CONNECTION_CLOSED}
     */
    public List<OperationResult> transact(String db, List<Operation> operations) {
        return await(transactAsync(db, operations, requestTimeout));
    }

    public List<OperationResult> transact(String db, Operation... operations) {
        return transact(db, Arrays.asList(operations));
    }

    /**
     * {@link #transact(String, List)} without blocking; {@code timeout} replaces the request timeout (for
     * transactions with long-running {@code wait} operations).
     */
    public CompletableFuture<List<OperationResult>> transactAsync(String db, List<Operation> operations, Duration timeout) {
        List<Operation> ops = List.copyOf(operations);
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("a transaction needs at least one operation");
        }
        ArrayNode params = JSON.arrayNode().add(db);
        ops.forEach(op -> params.add(op.toJson()));
        return call("transact", params, null, timeout).thenApply(result -> transactResults(db, ops, result));
    }

    /**
     * {@code monitor}: registers {@code listener} under {@code monitorId}, asks for the tables and columns in
     * {@code requests}, and returns the initial contents. The listener gets the same initial contents first
     * ({@code initial = true}), then every later change.
     */
    public List<RowUpdate> monitor(String db, String monitorId, List<MonitorRequest> requests, MonitorListener listener) {
        Objects.requireNonNull(monitorId, "monitorId");
        Objects.requireNonNull(listener, "listener");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("a monitor needs at least one table");
        }
        if (monitors.putIfAbsent(monitorId, listener) != null) {
            throw new IllegalArgumentException("monitor id already in use: " + monitorId);
        }
        Map<String, List<MonitorRequest>> byTable = new LinkedHashMap<>();
        requests.forEach(request -> byTable.computeIfAbsent(request.table(), table -> new ArrayList<>()).add(request));
        ObjectNode tables = JSON.objectNode();
        byTable.forEach((table, list) -> {
            if (list.size() == 1) {
                tables.set(table, list.get(0).toJson());
            } else {
                ArrayNode array = tables.putArray(table);
                list.forEach(request -> array.add(request.toJson()));
            }
        });
        ArrayNode params = JSON.arrayNode().add(db).add(monitorId).add(tables);
        // Runs on the I/O thread before any later notification is read: the initial state is queued first.
        Consumer<JsonNode> deliverInitial = result -> {
            List<RowUpdate> initial = RowUpdate.parseTableUpdates(result);
            deliver(monitorId, listener, initial, true);
        };
        CompletableFuture<JsonNode> reply = call("monitor", params, deliverInitial, requestTimeout);
        reply.whenComplete((result, error) -> {
            if (error != null) {
                monitors.remove(monitorId, listener);
            }
        });
        return RowUpdate.parseTableUpdates(await(reply));
    }

    /** {@code monitor_cancel}: stops the monitor; its listener gets nothing more. */
    public void monitorCancel(String monitorId) {
        monitors.remove(monitorId);
        await(call("monitor_cancel", JSON.arrayNode().add(monitorId), null, requestTimeout));
    }

    /**
     * Closes the connection and stops the client's threads; pending requests fail with {@code CONNECTION_CLOSED}.
     * Idempotent. Call it also after the connection was lost (the threads live until then).
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        markClosed(new OvsdbException(OvsdbException.Code.CONNECTION_CLOSED, "OVSDB client closed"));
        channel.close();
        shutdownThreads();
    }

    private void shutdownThreads() {
        events.shutdown();
        io.netty.util.concurrent.Future<?> terminated = ioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (!ioGroup.next().inEventLoop()) { // never wait for ourselves
            terminated.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- JSON-RPC plumbing

    /**
     * Sends a request; the future completes on the I/O thread with the {@code result}, or with an
     * {@link OvsdbException}. {@code onResult} (may be null) runs on the I/O thread before the future completes.
     */
    private CompletableFuture<JsonNode> call(String method, ArrayNode params, Consumer<JsonNode> onResult, Duration timeout) {
        OvsdbException closed = closedCause.get();
        if (closed != null) {
            return CompletableFuture.failedFuture(closed);
        }
        long id = nextId.incrementAndGet();
        Pending request = new Pending(method, new CompletableFuture<>(), onResult);
        pending.put(id, request);
        closed = closedCause.get();
        if (closed != null) { // lost a race with markClosed(), which may not have seen this entry
            fail(id, closed);
            return request.future();
        }
        ObjectNode message = JSON.objectNode();
        message.put("method", method);
        message.set("params", params);
        message.put("id", id);
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            fail(id, new OvsdbException(OvsdbException.Code.PROTOCOL_ERROR, "cannot encode " + method, e));
            return request.future();
        }
        try {
            ScheduledFuture<?> timer = channel.eventLoop().schedule(() -> fail(id, new OvsdbException(
                    OvsdbException.Code.TIMEOUT, method + " got no reply from " + socketPath + " within "
                            + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
            request.future().whenComplete((result, error) -> timer.cancel(false));
            channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener(write -> {
                if (!write.isSuccess()) {
                    fail(id, new OvsdbException(OvsdbException.Code.CONNECTION_CLOSED,
                            "cannot send " + method + " to " + socketPath + ": " + write.cause(), write.cause()));
                }
            });
        } catch (RejectedExecutionException e) {
            fail(id, new OvsdbException(OvsdbException.Code.CONNECTION_CLOSED, "OVSDB client closed", e));
        }
        return request.future();
    }

    private void fail(long id, OvsdbException error) {
        Pending request = pending.remove(id);
        if (request != null) {
            request.future().completeExceptionally(error);
        }
    }

    private void markClosed(OvsdbException cause) {
        closedCause.compareAndSet(null, cause);
        OvsdbException closed = closedCause.get();
        for (Long id : List.copyOf(pending.keySet())) {
            fail(id, closed);
        }
        monitors.clear();
        closeFuture.complete(null);
    }

    /** Blocks for a reply; rethrows failures as an {@link OvsdbException} with this caller's stack. */
    private <T> T await(CompletableFuture<T> future) {
        if (channel != null && channel.eventLoop().inEventLoop()) {
            throw new IllegalStateException("blocking OVSDB call on the client's I/O thread; chain on the ...Async future instead");
        }
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof OvsdbException ovsdb) {
                throw new OvsdbException(ovsdb.code(), ovsdb.getMessage(), ovsdb.ovsdbError(), ovsdb.details(),
                        ovsdb.operationIndex(), ovsdb.reply(), ovsdb);
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private void deliver(String monitorId, MonitorListener listener, List<RowUpdate> updates, boolean initial) {
        try {
            events.execute(() -> {
                if (monitors.get(monitorId) != listener) {
                    return; // cancelled or connection closed meanwhile
                }
                try {
                    listener.onUpdate(updates, initial);
                } catch (RuntimeException e) {
                    log.warn("OVSDB monitor {} listener failed", monitorId, e);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("OVSDB client closed; dropping update for monitor {}", monitorId);
        }
    }

    static List<OperationResult> transactResults(String db, List<Operation> ops, JsonNode result) {
        if (result == null || !result.isArray()) {
            throw new OvsdbException(OvsdbException.Code.PROTOCOL_ERROR, "transact on " + db + " returned " + result);
        }
        for (int i = 0; i < result.size(); i++) {
            JsonNode element = result.get(i);
            JsonNode error = element.get("error");
            if (error == null || error.isNull()) {
                continue;
            }
            String details = element.path("details").asText("");
            if (i < ops.size()) {
                Operation op = ops.get(i);
                String what = op.table().isEmpty() ? op.op() : op.op() + " " + op.table();
                throw new OvsdbException(OvsdbException.Code.OPERATION_FAILED,
                        "OVSDB transaction on " + db + " failed at operation " + i + " (" + what + "): "
                                + error.asText() + (details.isEmpty() ? "" : ": " + details),
                        error.asText(), details, i, result, null);
            }
            throw new OvsdbException(OvsdbException.Code.COMMIT_FAILED,
                    "OVSDB transaction on " + db + " failed to commit: " + error.asText()
                            + (details.isEmpty() ? "" : ": " + details),
                    error.asText(), details, -1, result, null);
        }
        if (result.size() < ops.size()) {
            throw new OvsdbException(OvsdbException.Code.PROTOCOL_ERROR, "transact on " + db + " returned "
                    + result.size() + " results for " + ops.size() + " operations: " + result);
        }
        List<OperationResult> results = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            results.add(new OperationResult(result.get(i)));
        }
        return List.copyOf(results);
    }

    private static OvsdbException rpcError(String method, JsonNode error) {
        String name = error.isObject() ? error.path("error").asText("") : error.asText();
        String details = error.isObject() ? error.path("details").asText("") : "";
        return new OvsdbException(OvsdbException.Code.RPC_ERROR,
                "OVSDB " + method + " failed: " + name + (details.isEmpty() ? "" : ": " + details),
                name, details, -1, error, null);
    }

    /** Inbound JSON-RPC: replies to our requests, and the server's requests and notifications. */
    private final class Dispatcher extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof JsonNode message) || !message.isObject()) {
                log.debug("OVSDB: ignoring non-object message {}", msg);
                return;
            }
            JsonNode method = message.get("method");
            if (method != null && !method.isNull()) {
                onServerRequest(ctx, method.asText(), message.path("params"), message.get("id"));
                return;
            }
            JsonNode id = message.get("id");
            if (id == null || !id.canConvertToLong()) {
                log.debug("OVSDB: ignoring reply with id {}", id);
                return;
            }
            Pending request = pending.remove(id.asLong());
            if (request == null) {
                log.debug("OVSDB: late reply {} (timed out?)", id);
                return;
            }
            JsonNode error = message.get("error");
            if (error != null && !error.isNull()) {
                request.future().completeExceptionally(rpcError(request.method(), error));
                return;
            }
            JsonNode result = message.get("result");
            if (result == null) {
                request.future().completeExceptionally(new OvsdbException(OvsdbException.Code.PROTOCOL_ERROR,
                        "reply to " + request.method() + " has neither result nor error: " + message));
                return;
            }
            try {
                if (request.onResult() != null) {
                    request.onResult().accept(result);
                }
            } catch (RuntimeException e) {
                request.future().completeExceptionally(new OvsdbException(OvsdbException.Code.PROTOCOL_ERROR,
                        "cannot read the reply to " + request.method() + ": " + e.getMessage(), e));
                return;
            }
            request.future().complete(result);
        }

        private void onServerRequest(ChannelHandlerContext ctx, String method, JsonNode params, JsonNode id) {
            boolean notification = id == null || id.isNull();
            switch (method) {
                case "echo" -> {
                    if (!notification) {
                        reply(ctx, params, null, id);
                        echoRequestsAnswered.incrementAndGet();
                    }
                }
                case "update" -> {
                    String monitorId = params.path(0).asText();
                    MonitorListener listener = monitors.get(monitorId);
                    if (listener != null) {
                        deliver(monitorId, listener, RowUpdate.parseTableUpdates(params.path(1)), false);
                    }
                }
                case "locked", "stolen" -> log.debug("OVSDB lock notification {} {}", method, params);
                default -> {
                    log.debug("OVSDB: unsupported server request {}", method);
                    if (!notification) {
                        reply(ctx, null, JSON.textNode("unknown method: " + method), id);
                    }
                }
            }
        }

        private void reply(ChannelHandlerContext ctx, JsonNode result, JsonNode error, JsonNode id) {
            ObjectNode response = JSON.objectNode();
            response.set("result", result == null ? JSON.nullNode() : result);
            response.set("error", error == null ? JSON.nullNode() : error);
            response.set("id", id);
            try {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(response)));
            } catch (JsonProcessingException e) {
                log.warn("OVSDB: cannot encode reply", e);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            markClosed(new OvsdbException(OvsdbException.Code.CONNECTION_CLOSED,
                    "connection to ovsdb-server at " + socketPath + " lost"));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            OvsdbException.Code code = cause instanceof com.fasterxml.jackson.core.JsonProcessingException
                    ? OvsdbException.Code.PROTOCOL_ERROR : OvsdbException.Code.CONNECTION_CLOSED;
            log.warn("OVSDB connection to {} failed: {}", socketPath, cause.toString());
            markClosed(new OvsdbException(code, "connection to ovsdb-server at " + socketPath + " failed: " + cause, cause));
            ctx.close();
        }
    }
}
