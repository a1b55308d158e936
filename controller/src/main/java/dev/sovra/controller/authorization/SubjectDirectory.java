package dev.sovra.controller.authorization;

import java.util.Set;

/**
 * What a role assignment may name besides stored resources: the known subjects (JWT {@code sub}
 * values of this CSP's users, {@code sovra.authorization.users}) and the tenants other than the one
 * in the path ({@code sovra.authorization.tenants}). The conformance suite's {@code --scenarios.users}
 * must be listed in {@code users}.
 */
public record SubjectDirectory(Set<String> users, Set<String> tenants) {
    public SubjectDirectory {
        users = Set.copyOf(users);
        tenants = Set.copyOf(tenants);
    }

    public boolean knowsUser(String subject) {
        return users.contains(subject);
    }

    public boolean knowsTenant(String tenant) {
        return tenants.contains(tenant);
    }
}
