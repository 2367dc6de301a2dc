package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class TieredCacheStoreTest {
  private final CaffeineCacheStore l1 = CaffeineCacheStore.create();
  private final CaffeineCacheStore l2 = CaffeineCacheStore.create();
  private final TieredCacheStore tiered = TieredCacheStore.of(l1, l2);

  @Test
  void anL2HitFillsL1() {
    l2.put("k", new byte[] {7}, Duration.ofMinutes(1)).join();
    assertEquals(Optional.empty(), l1.get("k").join());
    assertArrayEquals(new byte[] {7}, tiered.get("k").join().orElseThrow());
    assertArrayEquals(new byte[] {7}, l1.get("k").join().orElseThrow());
  }

  @Test
  void putWritesBothTiersAndDeleteRemovesFromBoth() {
    tiered.put("k", new byte[] {1, 2}, Duration.ofMinutes(1)).join();
    assertArrayEquals(new byte[] {1, 2}, l1.get("k").join().orElseThrow());
    assertArrayEquals(new byte[] {1, 2}, l2.get("k").join().orElseThrow());
    tiered.delete("k").join();
    assertEquals(Optional.empty(), l1.get("k").join());
    assertEquals(Optional.empty(), l2.get("k").join());
  }

  @Test
  void aFailingL2NeverLosesWhatL1Knows() {
    TieredCacheStore withBrokenL2 = TieredCacheStore.of(l1, new FailingStore());
    CompletionException put = assertThrows(CompletionException.class,
        () -> withBrokenL2.put("k", new byte[] {3}, Duration.ofMinutes(1)).join());
    assertTrue(put.getCause().getMessage().contains("store down"));
    assertArrayEquals(new byte[] {3}, withBrokenL2.get("k").join().orElseThrow(), "L1 answers");
    assertThrows(CompletionException.class, () -> withBrokenL2.get("absent").join(),
        "an L1 miss with L2 down is reported, so the cache counts an error");
  }

  @Test
  void theBuilderValidates() {
    assertThrows(IllegalArgumentException.class, () -> TieredCacheStore.of(l1, l1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TieredCacheStore.builder(l1, l2).l1FillTtl(Duration.ofMillis(-5)));
    assertTrue(e.getMessage().contains("l1FillTtl"), e.getMessage());
  }
}
