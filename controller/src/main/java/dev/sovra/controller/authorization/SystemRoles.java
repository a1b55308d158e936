package dev.sovra.controller.authorization;

import java.util.Set;

/**
 * The SECA system roles (API.md 6.6). They always exist, so role assignments may name them, and they
 * can be neither created, replaced nor deleted through the API: such a PUT or DELETE is refused as a
 * conflict, i.e. with {@link dev.sovra.controller.compute.ApiProblem#REFUSAL_STATUS} (the spec leaves
 * the code open and suggests 403 or 409; Sovra sends every refusal as 412, as the conformance suite
 * expects). Serving their definitions on GET/list is not done yet.
 */
public final class SystemRoles {
    public static final Set<String> NAMES = Set.of(
            "seca.admin", "seca.region-admin", "seca.workspace-admin", "seca.workspace-editor", "seca.workspace-viewer");

    private SystemRoles() {}

    public static boolean isSystem(String role) {
        return NAMES.contains(role);
    }
}
