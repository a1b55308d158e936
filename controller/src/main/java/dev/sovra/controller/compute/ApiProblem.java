package dev.sovra.controller.compute;

/**
 * A request the service refuses, with the HTTP status and RFC 9457 problem fields SECA clients see.
 * Thrown by the service layer; the HTTP adapter renders it as a SECA error body (RFC 7807 fields, sent as application/json as SECA specifies).
 */
public final class ApiProblem extends RuntimeException {
    /**
     * The status of every refused request (invalid input, unknown reference, state conflict). SECA v1.7
     * says 422 for validation and 409 for conflicts, but the official conformance suite, which is what
     * SECA clients are tested against, expects 412 for all of them. Sovra follows the suite; the problem
     * {@code type} still names the kind of refusal. This is the one place that choice is made.
     */
    public static final int REFUSAL_STATUS = 412;

    private final int status;
    private final String type;
    private final String title;

    private ApiProblem(int status, String type, String title, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "http://secapi.cloud/errors/resource-not-found", "Resource Not Found", detail);
    }

    public static ApiProblem badRequest(String detail) {
        return new ApiProblem(400, "http://secapi.cloud/errors/invalid-request", "Bad Request", detail);
    }

    public static ApiProblem unprocessable(String detail) {
        return new ApiProblem(REFUSAL_STATUS, "http://secapi.cloud/errors/validation-error", "Validation Error", detail);
    }

    public static ApiProblem forbidden(String detail) {
        return new ApiProblem(403, "http://secapi.cloud/errors/forbidden", "Forbidden", detail);
    }

    public static ApiProblem conflict(String detail) {
        return new ApiProblem(REFUSAL_STATUS, "http://secapi.cloud/errors/resource-conflict", "Conflict", detail);
    }

    public static ApiProblem preconditionFailed(String detail) {
        return new ApiProblem(412, "http://secapi.cloud/errors/precondition-failed", "Precondition Failed", detail);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }
}
