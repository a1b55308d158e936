package dev.sovra.controller.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvStateStoreTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void compareAndPutCreatesOnlyWhenAbsentAndUpdatesOnlyAtTheExpectedRevision() {
        try (MvStateStore store = MvStateStore.open(dir.resolve("s.db"))) {
            StateStore.Entry first = store.compareAndPut("a", bytes("1"), 0).orElseThrow();
            assertTrue(store.compareAndPut("a", bytes("x"), 0).isEmpty(), "create must fail when the key exists");
            assertTrue(store.compareAndPut("a", bytes("x"), first.modRevision() + 7).isEmpty(), "stale revision must fail");
            StateStore.Entry second = store.compareAndPut("a", bytes("2"), first.modRevision()).orElseThrow();
            assertTrue(second.modRevision() > first.modRevision());
            assertArrayEquals(bytes("2"), store.get("a").orElseThrow().value());
            assertFalse(store.compareAndDelete("a", first.modRevision()));
            assertTrue(store.compareAndDelete("a", second.modRevision()));
            assertTrue(store.get("a").isEmpty());
        }
    }

    @Test
    void listReturnsOnlyThePrefixInKeyOrder() {
        try (MvStateStore store = MvStateStore.open(dir.resolve("s.db"))) {
            for (String key : List.of("nodes/b", "instances/x", "nodes/a", "nodesx/c")) {
                store.compareAndPut(key, bytes(key), 0).orElseThrow();
            }
            assertEquals(List.of("nodes/a", "nodes/b"), store.list("nodes/").stream().map(StateStore.Entry::key).toList());
        }
    }

    @Test
    void writesAndRevisionsSurviveReopening() {
        Path file = dir.resolve("s.db");
        long revision;
        try (MvStateStore store = MvStateStore.open(file)) {
            store.compareAndPut("k", bytes("v1"), 0).orElseThrow();
            revision = store.compareAndPut("k2", bytes("v2"), 0).orElseThrow().modRevision();
        }
        try (MvStateStore store = MvStateStore.open(file)) {
            assertArrayEquals(bytes("v2"), store.get("k2").orElseThrow().value());
            assertEquals(revision, store.get("k2").orElseThrow().modRevision());
            assertTrue(store.compareAndPut("k3", bytes("v3"), 0).orElseThrow().modRevision() > revision,
                    "revisions keep increasing after a restart");
        }
    }

    @Test
    void racingWritersNeverBothWinTheSameRevision() throws Exception {
        try (MvStateStore store = MvStateStore.open(dir.resolve("s.db"))) {
            store.compareAndPut("counter", bytes("0"), 0).orElseThrow();
            AtomicInteger wins = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            for (int i = 0; i < 400; i++) {
                pool.submit(() -> {
                    while (true) {
                        StateStore.Entry current = store.get("counter").orElseThrow();
                        int value = Integer.parseInt(new String(current.value(), StandardCharsets.UTF_8));
                        if (store.compareAndPut("counter", bytes(String.valueOf(value + 1)), current.modRevision()).isPresent()) {
                            wins.incrementAndGet();
                            return;
                        }
                    }
                });
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            assertEquals(400, wins.get());
            assertEquals("400", new String(store.get("counter").orElseThrow().value(), StandardCharsets.UTF_8));
        }
    }
}
