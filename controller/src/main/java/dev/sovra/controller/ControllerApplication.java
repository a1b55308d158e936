package dev.sovra.controller;

import io.micronaut.runtime.Micronaut;

/** Entry point of the Sovra controller. */
public final class ControllerApplication {
    private ControllerApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(ControllerApplication.class).banner(false).start();
    }
}
