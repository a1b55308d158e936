package dev.sovra.agent.network.ovsdb;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An OVSDB call failed. {@link #code()} says how (connection, timeout, server-side error, ...); when
 * ovsdb-server reported the failure, {@link #ovsdbError()} and {@link #details()} carry its {@code error}
 * and {@code details} strings (RFC 7047 section 3.1.3 / 5.2) and {@link #operationIndex()} the failing
 * operation of a transaction.
 */
public final class OvsdbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** How a call failed; stable, so failures can be counted and mapped. */
    public enum Code {
        /** The socket could not be connected. */
        CONNECT_FAILED,
        /** The connection is closed or was lost while the call was pending. */
        CONNECTION_CLOSED,
        /** No reply within the request timeout. */
        TIMEOUT,
        /** ovsdb-server answered the JSON-RPC request with an error (e.g. unknown database, syntax error). */
        RPC_ERROR,
        /** One operation of a transaction failed (e.g. unknown column, a {@code wait} timed out); nothing was committed. */
        OPERATION_FAILED,
        /** Every operation succeeded but the commit failed (e.g. constraint or referential integrity violation). */
        COMMIT_FAILED,
        /** The peer sent something that is not valid OVSDB JSON-RPC. */
        PROTOCOL_ERROR,
        /** The database holds something that contradicts the request (e.g. the port is on another bridge). */
        CONFLICT,
        /** A row the request needs does not exist (e.g. the bridge to add a port to). */
        NOT_FOUND
    }

    private final Code code;
    private final String ovsdbError;
    private final String details;
    private final int operationIndex;
    private final transient JsonNode reply;

    public OvsdbException(Code code, String message, String ovsdbError, String details, int operationIndex,
                          JsonNode reply, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.ovsdbError = ovsdbError == null ? "" : ovsdbError;
        this.details = details == null ? "" : details;
        this.operationIndex = operationIndex;
        this.reply = reply;
    }

    public OvsdbException(Code code, String message) {
        this(code, message, null, null, -1, null, null);
    }

    public OvsdbException(Code code, String message, Throwable cause) {
        this(code, message, null, null, -1, null, cause);
    }

    public Code code() {
        return code;
    }

    /** ovsdb-server's {@code error} string (e.g. {@code "unknown column"}), empty if the server did not report one. */
    public String ovsdbError() {
        return ovsdbError;
    }

    /** ovsdb-server's {@code details} string, empty if none. */
    public String details() {
        return details;
    }

    /** Index of the failing operation in the transaction, -1 if not an operation failure. */
    public int operationIndex() {
        return operationIndex;
    }

    /** The server's reply or error object as received, null if there was none (e.g. a timeout). */
    public JsonNode reply() {
        return reply;
    }

    /** True if a transaction failed because one of its {@code wait} operations' condition did not hold. */
    public boolean isWaitFailure() {
        return code == Code.OPERATION_FAILED && "timed out".equals(ovsdbError);
    }
}
