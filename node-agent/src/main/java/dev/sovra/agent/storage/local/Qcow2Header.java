package dev.sovra.agent.storage.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The two fields of a qcow2 header the driver reads on every pass: the virtual size and the backing file
 * name. Reading them in Java costs one small read instead of a {@code qemu-img info} process per file, and
 * takes no image lock (a running guest may hold it). Layout from QEMU's docs/interop/qcow2.txt: big-endian
 * magic {@code QFI\xfb} at 0, backing_file_offset (u64) at 8, backing_file_size (u32) at 16, size (u64) at 24.
 */
record Qcow2Header(long virtualSize, Optional<String> backingFile) {

    private static final int MAGIC = 0x514649fb;
    private static final int HEADER_BYTES = 32;
    private static final int MAX_BACKING_NAME = 1023; // QEMU's own limit

    static Qcow2Header read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES); // big-endian by default, as qcow2
            readFully(channel, header, 0, file);
            if (header.getInt(0) != MAGIC) {
                throw new IOException(file + " is not a qcow2 file (bad magic)");
            }
            long backingOffset = header.getLong(8);
            int backingSize = header.getInt(16);
            long size = header.getLong(24);
            if (backingOffset == 0 || backingSize == 0) {
                return new Qcow2Header(size, Optional.empty());
            }
            if (backingSize < 0 || backingSize > MAX_BACKING_NAME) {
                throw new IOException(file + " has an invalid backing file name length " + backingSize);
            }
            ByteBuffer name = ByteBuffer.allocate(backingSize);
            readFully(channel, name, backingOffset, file);
            return new Qcow2Header(size, Optional.of(new String(name.array(), StandardCharsets.UTF_8)));
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException(file + " is truncated: qcow2 header incomplete");
            }
        }
    }
}
