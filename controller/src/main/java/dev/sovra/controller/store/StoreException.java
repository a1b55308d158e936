package dev.sovra.controller.store;

/** The state store failed (I/O, corrupt data); not a concurrency conflict, which is a normal result. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
