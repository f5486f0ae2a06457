package vn.lienthong.storage.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.Storage;

class RegistryTest {

    @TempDir
    Path directory;
    Storage storage;
    Registry registry;

    @BeforeEach
    void open() {
        storage = Storage.open(directory, 16L * 1024 * 1024);
        registry = storage.registry();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    @Test
    void storesReplacesAndDeletesARecord() {
        registry.put("tenant", "bo-noi-vu", bytes("v1"));
        registry.put("tenant", "bo-noi-vu", bytes("v2"));

        assertArrayEquals(bytes("v2"), registry.get("tenant", "bo-noi-vu").orElseThrow());
        assertTrue(registry.delete("tenant", "bo-noi-vu"));
        assertFalse(registry.delete("tenant", "bo-noi-vu"));
        assertTrue(registry.get("tenant", "bo-noi-vu").isEmpty());
    }

    @Test
    void listShowsOnlyTheKindAskedForEvenWhenOneKindsNameStartsAnothers() {
        registry.put("route", "G01", bytes("a"));
        registry.put("route", "G02", bytes("b"));
        registry.put("router", "X", bytes("c"));
        registry.put("rout", "Y", bytes("d"));
        registry.put("tenant", "Tỉnh Hà Giang", bytes("e"));

        SortedMap<String, byte[]> routes = registry.list("route");

        assertEquals(List.of("G01", "G02"), List.copyOf(routes.keySet()));
        assertArrayEquals(bytes("b"), routes.get("G02"));
        assertEquals(List.of("Tỉnh Hà Giang"), List.copyOf(registry.list("tenant").keySet()));
        assertTrue(registry.list("nothing").isEmpty());
    }

    @Test
    void replaceAllSwapsEveryRecordOfTheKindAndNoOther() {
        registry.put("route", "G01", bytes("old"));
        registry.put("route", "G02", bytes("old"));
        registry.put("tenant", "t1", bytes("kept"));

        registry.replaceAll("route", Map.of("G02", bytes("new"), "G03", bytes("new")));

        SortedMap<String, byte[]> routes = registry.list("route");
        assertEquals(List.of("G02", "G03"), List.copyOf(routes.keySet()));
        assertArrayEquals(bytes("new"), routes.get("G02"));
        assertArrayEquals(bytes("kept"), registry.get("tenant", "t1").orElseThrow());

        registry.replaceAll("route", Map.of());
        assertTrue(registry.list("route").isEmpty());
    }

    @Test
    void aValueChangedByTheCallerAfterPutIsNotChangedInStorage() {
        byte[] value = bytes("original");
        registry.put("k", "a", value);
        value[0] = 'X';

        byte[] read = registry.get("k", "a").orElseThrow();
        read[1] = 'Y';

        assertArrayEquals(bytes("original"), registry.get("k", "a").orElseThrow());
    }

    @Test
    void refusesKindsAndKeysThatCannotBeStoredUnambiguously() {
        assertThrows(IllegalArgumentException.class, () -> registry.put("a\0b", "k", bytes("v")));
        assertThrows(IllegalArgumentException.class, () -> registry.put("", "k", bytes("v")));
        assertThrows(IllegalArgumentException.class, () -> registry.put("kind", "", bytes("v")));
        assertThrows(IllegalArgumentException.class, () -> registry.put("kind", "k".repeat(600), bytes("v")));
        assertTrue(registry.list("kind").isEmpty());
    }

    @Test
    void listsAKindAPageAtATimeAfterTheKeyGiven() {
        for (String key : List.of("a", "b", "c", "d", "e")) {
            registry.put("sent", key, bytes(key));
        }
        registry.put("sent-other", "a", bytes("not of the kind"));
        registry.put("senz", "a", bytes("after the kind"));

        assertEquals(List.of("a", "b"), List.copyOf(registry.list("sent", null, 2).keySet()));
        assertEquals(List.of("c", "d"), List.copyOf(registry.list("sent", "b", 2).keySet()));
        assertEquals(List.of("e"), List.copyOf(registry.list("sent", "d", 2).keySet()));
        assertEquals(List.of("c", "d", "e"), List.copyOf(registry.list("sent", "bb", 10).keySet()), "a key no longer there");
        assertEquals(List.of(), List.copyOf(registry.list("sent", "e", 2).keySet()));
        assertArrayEquals(bytes("c"), registry.list("sent", "b", 1).get("c"));
        assertThrows(IllegalArgumentException.class, () -> registry.list("sent", null, 0));
    }
}
