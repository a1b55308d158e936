package dev.sovra.controller.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** The SECA error body (RFC 7807 problem details with SECA's required fields). */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Problem(String type, String title, int status, String detail, String instance, List<Source> sources) {

    /** Where in the request the problem is: a JSON pointer into the body or a query parameter name. */
    @Serdeable
    public record Source(String pointer, String parameter) {}
}
