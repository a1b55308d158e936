package dev.sovra.bench;

import java.util.List;

/** Minimal {@code --name value} options. */
record Args(List<String> values) {

    int intOption(String name, int defaultValue) {
        String value = option(name);
        try {
            return value == null ? defaultValue : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a number, got " + value);
        }
    }

    String option(String name) {
        int at = values.indexOf(name);
        if (at < 0) {
            return null;
        }
        if (at + 1 >= values.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return values.get(at + 1);
    }
}
