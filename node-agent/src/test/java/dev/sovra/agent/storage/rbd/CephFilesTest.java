package dev.sovra.agent.storage.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CephFilesTest {

    @TempDir
    Path dir;

    @Test
    void addressVectorsGiveTheirMsgr2Address() {
        assertEquals(List.of("127.0.0.1:3300"), CephFiles.parseMonHost("[v2:127.0.0.1:3300,v1:127.0.0.1:6789]"));
        assertEquals(List.of("10.0.0.1:3300", "10.0.0.2:3300"),
                CephFiles.parseMonHost("[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0],[v2:10.0.0.2:3300/0,v1:10.0.0.2:6789/0]"));
        assertEquals(List.of("10.0.0.1:6789"), CephFiles.parseMonHost("[v1:10.0.0.1:6789]"));
    }

    @Test
    void plainAddressesKeepTheirPortOrGetTheLegacyOne() {
        assertEquals(List.of("10.0.0.1:6789", "mon2.example.com:6789", "10.0.0.3:3300"),
                CephFiles.parseMonHost("10.0.0.1, mon2.example.com 10.0.0.3:3300"));
        assertEquals(List.of("[::1]:3300", "[fd00::2]:6789"), CephFiles.parseMonHost("[::1]:3300,[fd00::2]"));
    }

    @Test
    void monHostIsFoundWhateverTheKeySpellingAndSection() throws IOException {
        Path conf = dir.resolve("ceph.conf");
        Files.writeString(conf, """
                # comment
                [global]
                fsid = 1234
                mon host = 10.0.0.9 ; inline comment
                [client.sovra]
                mon-host = [v2:10.0.0.1:3300,v1:10.0.0.1:6789]
                """);
        assertEquals(List.of("10.0.0.1:3300"), CephFiles.monitors(conf, "sovra"));
        assertEquals(List.of("10.0.0.9:6789"), CephFiles.monitors(conf, "other"));
    }

    @Test
    void aConfWithoutMonitorsIsAnError() throws IOException {
        Path conf = dir.resolve("ceph.conf");
        Files.writeString(conf, "[global]\nfsid = 1\n");
        assertThrows(IOException.class, () -> CephFiles.monitors(conf, "sovra"));
    }

    @Test
    void theKeyOfTheUserIsReadFromItsKeyringSection() throws IOException {
        Path keyring = dir.resolve("keyring");
        Files.writeString(keyring, """
                [client.admin]
                \tkey = QURNSU4=
                [client.sovra]
                \tkey = QVFEc292cmFrZXk9PQ==
                \tcaps mon = "profile rbd"
                """);
        assertEquals("QVFEc292cmFrZXk9PQ==", CephFiles.key(keyring, "sovra"));
        IOException missing = assertThrows(IOException.class, () -> CephFiles.key(keyring, "nobody"));
        assertEquals(keyring + " holds no key for client.nobody", missing.getMessage());
    }
}
