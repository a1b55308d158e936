package dev.sovra.controller;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.info.License;

/**
 * Entry point of the Sovra controller. The OpenAPI document of the endpoints it actually serves is
 * generated from the controllers at build time and published under {@code /openapi/} (sovra-v1.yml).
 */
@OpenAPIDefinition(info = @Info(title = "Sovra", version = "v1",
        description = "The SECA API (seca.region, seca.workspace, seca.compute, seca.storage, seca.network, "
                + "seca.authorization) as served by a Sovra appliance, plus its operator endpoints",
        license = @License(name = "Apache-2.0")),
        security = @SecurityRequirement(name = "bearerAuth"))
@SecurityScheme(name = "bearerAuth", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT")
public final class ControllerApplication {
    private ControllerApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(ControllerApplication.class).banner(false).start();
    }
}
