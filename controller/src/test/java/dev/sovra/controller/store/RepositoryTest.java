package dev.sovra.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A decode-caching repository answers exactly what a plain one does, whoever wrote the store. */
class RepositoryTest {
    record Item(String name, List<String> tags) {}

    @TempDir
    Path dir;

    @Test
    void aCachedValueIsReusedOnlyWhileItsRevisionIsTheStoredOne() {
        try (MvStateStore store = MvStateStore.open(dir.resolve("s.db"))) {
            Repository<Item> cached = Repository.decodeCached(store, "items", Item.class);
            Repository<Item> other = new Repository<>(store, "items", Item.class); // e.g. another component's view
            other.compareAndPut("a", new Item("a", List.of("x")), 0).orElseThrow();
            other.compareAndPut("b", new Item("b", List.of()), 0).orElseThrow();

            List<Repository.Versioned<Item>> first = cached.list();
            List<Repository.Versioned<Item>> second = cached.list();
            assertSame(first.get(0).value(), second.get(0).value(), "unchanged: not decoded again");
            assertEquals(first, other.list());

            long revision = other.get("a").orElseThrow().revision();
            other.compareAndPut("a", new Item("a", List.of("y")), revision).orElseThrow();
            Repository.Versioned<Item> changed = cached.list().get(0);
            assertEquals(List.of("y"), changed.value().tags(), "a write through another repository is seen at once");
            assertEquals(changed, cached.get("a").orElseThrow());
            assertNotSame(first.get(0).value(), changed.value());

            assertTrue(other.compareAndDelete("b", other.get("b").orElseThrow().revision()));
            assertEquals(List.of("a"), cached.list().stream().map(Repository.Versioned::id).toList());
            other.compareAndPut("b", new Item("b", List.of("again")), 0).orElseThrow();
            assertEquals(List.of("again"), cached.list("b").get(0).value().tags(), "re-created: a new revision, decoded");
            assertTrue(cached.compareAndDelete("b", cached.get("b").orElseThrow().revision()));
            assertTrue(cached.get("b").isEmpty() && other.get("b").isEmpty());
        }
    }
}
