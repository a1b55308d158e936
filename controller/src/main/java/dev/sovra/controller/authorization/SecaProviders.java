package dev.sovra.controller.authorization;

import java.util.Set;

/**
 * The SECA provider names a role permission may name, as {@code <name>/<version>} (API.md 1): the
 * six foundation providers at v1 and the v1beta1 extensions. Permissions may name providers this
 * appliance does not serve yet (the role is global and may be used in other regions).
 */
public final class SecaProviders {
    public static final Set<String> KNOWN = Set.of(
            "seca.region/v1", "seca.authorization/v1", "seca.workspace/v1", "seca.compute/v1", "seca.storage/v1",
            "seca.network/v1",
            "seca.activity-log/v1beta1", "seca.kubernetes/v1beta1", "seca.load-balancer/v1beta1", "seca.nat-gateway/v1beta1",
            "seca.object-storage/v1beta1");

    private SecaProviders() {}
}
