package dev.sovra.hardware;

import java.util.List;

/** A hardware profile (or the catalogue as a whole) is unreadable or violates the schema. */
public final class InvalidProfileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final List<String> problems;

    /**
     * @param source the file (or classpath resource) at fault
     * @param problems one entry per violation, each starting with the field path
     */
    public InvalidProfileException(String source, List<String> problems) {
        this(source, problems, null);
    }

    public InvalidProfileException(String source, List<String> problems, Throwable cause) {
        super("invalid hardware profile " + source + ": " + String.join("; ", problems), cause);
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    /** The file or resource at fault, as named in the message. */
    public String source() {
        return source;
    }

    public List<String> problems() {
        return problems;
    }
}
