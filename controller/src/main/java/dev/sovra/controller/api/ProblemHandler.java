package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.Validation;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.codec.CodecException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.json.JsonSyntaxException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders every failure as a SECA problem body: refusals from the service layer with their status,
 * unreadable requests as 400, unknown routes as 404, and anything unexpected as a logged 500.
 */
@Controller
public final class ProblemHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    private static final String ERRORS = "http://secapi.cloud/errors/";
    /** Text that names code rather than the request: qualified class names, the binder's own words. */
    private static final Pattern FIELD = Pattern.compile("((?:spec|labels|annotations|extensions|metadata)(?:\\.[A-Za-z0-9_:-]+|\\[\\d+])*)[ :]");
    private static final Pattern INTERNAL = Pattern.compile("\\b[a-z]+\\.[a-z]+\\.[A-Za-z]|\\bclass\\b|argument \\[|Exception");

    @Error(global = true)
    public HttpResponse<Problem> refused(HttpRequest<?> request, ApiProblem problem) {
        String pointer = pointer(problem.detail());
        return respond(request, problem.status(), problem.type(), problem.title(), problem.detail(),
                pointer == null ? List.of() : List.of(new Problem.Source(pointer, null)));
    }

    /**
     * The JSON pointer of the field a refusal names: refusals start with the field's path by convention
     * ({@code spec.ports.list[0] must be ...}), which API.md 7 wants in {@code sources[].pointer}; null when
     * the detail names no field.
     */
    static String pointer(String detail) {
        Matcher field = FIELD.matcher(detail == null ? "" : detail);
        if (!field.lookingAt()) {
            return null;
        }
        return "/" + field.group(1).replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
    }

    @Error(global = true)
    public HttpResponse<Problem> unreadable(HttpRequest<?> request, CodecException error) {
        return respond(request, 400, ERRORS + "invalid-request", "Bad Request", "request body is not valid JSON for this resource"
                + parserDetail(error.getMessage()));
    }

    @Error(global = true)
    public HttpResponse<Problem> malformed(HttpRequest<?> request, JsonSyntaxException error) {
        return respond(request, 400, ERRORS + "invalid-request", "Bad Request", "request body is not valid JSON"
                + parserDetail(error.getMessage()));
    }

    @Error(global = true)
    public HttpResponse<Problem> tooLong(HttpRequest<?> request, ContentLengthExceededException error) {
        return respond(request, 413, ERRORS + "invalid-request", "Payload Too Large", error.getMessage());
    }

    /** A body that is not a JSON object, or a header or query parameter of the wrong type: named, without parser internals. */
    @Error(global = true)
    public HttpResponse<Problem> unconvertible(HttpRequest<?> request, ConversionErrorException error) {
        Argument<?> argument = error.getArgument();
        AnnotationMetadata annotations = argument.getAnnotationMetadata();
        if (annotations.hasAnnotation(Body.class)) {
            return respond(request, 400, ERRORS + "invalid-request", "Bad Request",
                    "request body must be a JSON object (labels, annotations, extensions, metadata, spec, status)");
        }
        String name = annotations.stringValue(Header.class).or(() -> annotations.stringValue(QueryValue.class)).orElse(argument.getName());
        Object value = error.getConversionError().getOriginalValue().orElse(null);
        String expected = Number.class.isAssignableFrom(argument.getWrapperType()) ? "a number" : argument.getType().getSimpleName();
        return respond(request, 400, ERRORS + "invalid-request", "Bad Request", name + " has an invalid value"
                + (value == null ? "" : " '" + Validation.abbreviate(String.valueOf(value)) + "'") + ": expected " + expected);
    }

    /**
     * The useful part of a JSON parser message (what was found where), or nothing if it names classes: its first
     * line, without the parser's source location.
     */
    static String parserDetail(String message) {
        if (message == null) {
            return "";
        }
        String line = message.lines().findFirst().orElse("");
        int location = line.indexOf(" at [Source");
        line = (location >= 0 ? line.substring(0, location) : line).trim();
        return line.isEmpty() || INTERNAL.matcher(line).find() ? "" : ": " + line;
    }

    @Error(global = true)
    public HttpResponse<Problem> unsatisfied(HttpRequest<?> request, UnsatisfiedRouteException error) {
        return respond(request, 400, ERRORS + "invalid-request", "Bad Request", error.getMessage());
    }

    @Error(global = true)
    public HttpResponse<Problem> status(HttpRequest<?> request, HttpStatusException error) {
        return respond(request, error.getStatus().getCode(), ERRORS + typeFor(error.getStatus()), error.getStatus().getReason(),
                error.getMessage());
    }

    @Error(global = true, status = HttpStatus.NOT_FOUND)
    public HttpResponse<Problem> noRoute(HttpRequest<?> request) {
        return respond(request, 404, ERRORS + "resource-not-found", "Resource Not Found", "no resource at " + request.getPath());
    }

    @Error(global = true, status = HttpStatus.METHOD_NOT_ALLOWED)
    public HttpResponse<Problem> notAllowed(HttpRequest<?> request) {
        return respond(request, 405, ERRORS + "invalid-request", "Method Not Allowed",
                request.getMethodName() + " is not allowed on " + request.getPath());
    }

    @Error(global = true, status = HttpStatus.UNSUPPORTED_MEDIA_TYPE)
    public HttpResponse<Problem> unsupportedMedia(HttpRequest<?> request) {
        return respond(request, 415, ERRORS + "invalid-request", "Unsupported Media Type", "send application/json");
    }

    @Error(global = true, status = HttpStatus.REQUEST_ENTITY_TOO_LARGE)
    public HttpResponse<Problem> tooLarge(HttpRequest<?> request) {
        return respond(request, 413, ERRORS + "invalid-request", "Payload Too Large", "request body is too large");
    }

    @Error(global = true)
    public HttpResponse<Problem> unexpected(HttpRequest<?> request, Throwable error) {
        log.error("request failed method={} path={}", request.getMethodName(), request.getPath(), error);
        return respond(request, 500, ERRORS + "internal-server-error", "Internal Server Error",
                "the request could not be completed; see the controller log");
    }

    private static String typeFor(HttpStatus status) {
        return switch (status.getCode()) {
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "resource-not-found";
            case 409 -> "resource-conflict";
            case 412 -> "precondition-failed";
            case 422 -> "validation-error";
            default -> status.getCode() >= 500 ? "internal-server-error" : "invalid-request";
        };
    }

    /** A SECA problem response for this request (instance = the request path, no sources). */
    public static MutableHttpResponse<Problem> respond(HttpRequest<?> request, int status, String type, String title,
                                                       String detail) {
        return respond(request, status, type, title, detail, List.of());
    }

    private static MutableHttpResponse<Problem> respond(HttpRequest<?> request, int status, String type, String title, String detail,
                                                        List<Problem.Source> sources) {
        Problem body = new Problem(type, title, status, detail == null ? title : detail, request.getPath(), sources);
        return HttpResponse.<Problem>status(HttpStatus.valueOf(status)).body(body).contentType(MediaType.APPLICATION_JSON_TYPE);
    }
}
