package dev.sovra.controller.resource;

import dev.sovra.controller.compute.ApiProblem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The SECA list parameters: label selector, page size and the opaque cursor of the previous page.
 * The cursor is the last key of that page, so paging terminates and never repeats an item.
 */
public record ListQuery(LabelSelector labels, int limit, String after) {
    public static final int DEFAULT_LIMIT = 1000;
    public static final int MAX_LIMIT = 10000;

    public static ListQuery parse(String labels, Integer limit, String skipToken) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw ApiProblem.badRequest("limit must be between 1 and " + MAX_LIMIT + ", was " + size);
        }
        String after = null;
        if (skipToken != null && !skipToken.isEmpty()) {
            try {
                after = new String(Base64.getUrlDecoder().decode(skipToken), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiProblem.badRequest("skipToken is not one this server issued");
            }
        }
        return new ListQuery(LabelSelector.parse(labels), size, after);
    }

    public static String token(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
    }
}
