package dev.sovra.agent.hypervisor;

/**
 * A hypervisor operation failed. Carries the instance uid (empty for host-wide operations) and, when
 * libvirt reported the failure, libvirt's error code name (e.g. {@code VIR_ERR_OPERATION_FAILED}) and message.
 */
public final class HypervisorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final String errorCode;
    private final String libvirtMessage;

    public HypervisorException(String uid, String message, String errorCode, String libvirtMessage, Throwable cause) {
        super(format(uid, message, libvirtMessage), cause);
        this.uid = uid == null ? "" : uid;
        this.errorCode = errorCode == null ? "" : errorCode;
        this.libvirtMessage = libvirtMessage == null ? "" : libvirtMessage;
    }

    public HypervisorException(String uid, String message) {
        this(uid, message, null, null, null);
    }

    public HypervisorException(String uid, String message, Throwable cause) {
        this(uid, message, null, null, cause);
    }

    private static String format(String uid, String message, String libvirtMessage) {
        StringBuilder text = new StringBuilder();
        if (uid != null && !uid.isEmpty()) {
            text.append("instance ").append(uid).append(": ");
        }
        text.append(message);
        if (libvirtMessage != null && !libvirtMessage.isEmpty()) {
            text.append(": ").append(libvirtMessage);
        }
        return text.toString();
    }

    /** The instance uid the operation was about; empty for host-wide operations. */
    public String uid() {
        return uid;
    }

    /** libvirt's error number name, e.g. {@code VIR_ERR_OPERATION_FAILED}; empty if the error did not come from libvirt. */
    public String errorCode() {
        return errorCode;
    }

    /** libvirt's own error message; empty if the error did not come from libvirt. */
    public String libvirtMessage() {
        return libvirtMessage;
    }
}
