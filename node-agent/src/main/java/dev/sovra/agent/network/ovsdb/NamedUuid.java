package dev.sovra.agent.network.ovsdb;

/**
 * A reference, inside one transaction, to the row that an earlier {@link Operation.Insert} with the same
 * {@code uuidName} creates (RFC 7047 {@code <named-uuid>}).
 */
public record NamedUuid(String name) {
    public NamedUuid {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("named-uuid must be an <id> ([A-Za-z_][A-Za-z0-9_]*): " + name);
        }
    }
}
