package dev.sovra.agent.network;

/** The data plane could not be brought to the spec; the message names the bridge/port/command and what it said. */
public class NetworkPlaneException extends RuntimeException {
    public NetworkPlaneException(String message) {
        super(message);
    }

    public NetworkPlaneException(String message, Throwable cause) {
        super(message, cause);
    }
}
