package dev.sovra.agent.reconcile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sovra.model.NodeDesired;
import dev.sovra.model.InstanceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * The last desired state the controller gave this node, kept on local disk so the agent converges
 * after its own restart even before the controller is reachable. Replaced atomically (write, fsync,
 * rename): a crash leaves either the old or the new file, never a torn one.
 */
public final class DesiredStateFile {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final TypeReference<List<InstanceSpec>> INSTANCES_ONLY = new TypeReference<>() {};

    private final Path file;

    public DesiredStateFile(Path file) {
        this.file = file;
    }

    /** The stored desired state, or empty if the controller never sent one to this node. */
    public Optional<NodeDesired> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode tree = JSON.readTree(file.toFile());
            if (tree.isArray()) { // written by an agent before storage existed: instances only
                return Optional.of(NodeDesired.ofInstances(JSON.convertValue(tree, INSTANCES_ONLY)));
            }
            return Optional.of(JSON.treeToValue(tree, NodeDesired.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read desired state " + file, e);
        }
    }

    public void store(NodeDesired desired) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(desired)));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write desired state " + file, e);
        }
    }
}
