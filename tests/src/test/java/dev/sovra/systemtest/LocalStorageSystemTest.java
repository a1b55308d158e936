package dev.sovra.systemtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;

/** The storage test list on the local backend: qcow2 files on the node, the default of a single-box appliance. */
class LocalStorageSystemTest extends StorageSystemTest {

    @BeforeAll
    static void start() {
        startAppliance("storage-local", false);
    }

    @Override
    String sku() {
        return "seca.ld500";
    }

    @Override
    String backend() {
        return "local";
    }

    @Override
    Set<String> onBackend(Set<String> uids) {
        Set<String> found = new HashSet<>();
        for (String dir : new String[] {"volumes", "images"}) {
            Path path = appliance.agentStateDir().resolve(dir);
            if (!Files.isDirectory(path)) {
                continue;
            }
            try (Stream<Path> files = Files.list(path)) {
                files.map(f -> f.getFileName().toString()).forEach(name -> uids.stream()
                        .filter(name::startsWith).forEach(found::add));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found;
    }
}
