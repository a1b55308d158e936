/**
 * Sovra's own OVSDB client (RFC 7047) and the typed bridge/port layer the agent's tenant networking builds on.
 *
 * <ul>
 *   <li>{@link dev.sovra.agent.network.ovsdb.OvsdbClient}: JSON-RPC 1.0 over ovsdb-server's local unix socket
 *       ({@code list_dbs}, {@code get_schema}, {@code transact}, {@code monitor}, {@code monitor_cancel},
 *       {@code echo}, {@code update} notifications, answers to the server's {@code echo} probes).</li>
 *   <li>{@link dev.sovra.agent.network.ovsdb.Operation}, {@link dev.sovra.agent.network.ovsdb.Condition},
 *       {@link dev.sovra.agent.network.ovsdb.Mutation}, {@link dev.sovra.agent.network.ovsdb.OvsdbValues}: the
 *       transaction operations and the OVSDB value notation; {@link dev.sovra.agent.network.ovsdb.Row},
 *       {@link dev.sovra.agent.network.ovsdb.OperationResult}, {@link dev.sovra.agent.network.ovsdb.RowUpdate}
 *       to read results.</li>
 *   <li>{@link dev.sovra.agent.network.ovsdb.OvsBridges}: ensure bridge, add/remove port, VLAN tag, list ports;
 *       each change one idempotent transaction.</li>
 * </ul>
 *
 * <h2>Why our own client and not OpenDaylight's OVSDB library</h2>
 * The ODL library (org.opendaylight.ovsdb:library 1.12.0) works standalone, but it is frozen 2021 code, speaks
 * TCP only (ovsdb-server would need an extra {@code ptcp:} remote, i.e. a network listener for a host-local
 * control channel), and pulls about 12 MB of ODL/yangtools jars plus BouncyCastle {@code jdk15on} 1.68 with known
 * CVEs and a Guava {@code ListenableFuture} API. The protocol subset the agent needs is six methods and one
 * notification; this package is that subset on the Netty and Jackson the project already ships.
 *
 * <h2>Transport</h2>
 * Netty 4.2's NIO {@code NioDomainSocketChannel} on a JDK 16+ {@link java.net.UnixDomainSocketAddress}: pure Java,
 * no native library to ship or load, the same NIO event loop model as {@code sovra-transport}. Epoll would add
 * the native epoll jar for no gain on one low-volume local control connection. Framing: ovsdb-server writes
 * concatenated JSON values without delimiters, so {@code JsonStreamDecoder} feeds Jackson's non-blocking parser
 * and emits one value each time its outermost object closes.
 */
package dev.sovra.agent.network.ovsdb;
