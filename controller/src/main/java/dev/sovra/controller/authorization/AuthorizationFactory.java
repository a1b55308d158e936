package dev.sovra.controller.authorization;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.resource.ResourceService;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import io.micronaut.core.type.Argument;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Wires seca.authorization from {@code sovra.authorization.users} and {@code sovra.authorization.tenants}. */
@Factory
final class AuthorizationFactory {

    @Singleton
    SubjectDirectory subjectDirectory(Environment environment) {
        return new SubjectDirectory(names(environment, "sovra.authorization.users"),
                names(environment, "sovra.authorization.tenants"));
    }

    @Singleton
    AuthorizationService authorizationService(ResourceService resources, SubjectDirectory directory, ComputeCatalog catalog) {
        return new AuthorizationService(resources, directory, catalog.region());
    }

    private static Set<String> names(Environment environment, String property) {
        List<String> values = environment.getProperty(property, Argument.listOf(String.class)).orElse(List.of());
        return values.stream().map(String::trim).filter(v -> !v.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }
}
