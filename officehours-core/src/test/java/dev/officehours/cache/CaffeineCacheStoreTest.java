package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CaffeineCacheStoreTest {
  private final AtomicLong nanos = new AtomicLong();
  private final Ticker ticker = nanos::get;

  @Test
  void eachEntryExpiresAfterItsOwnTtl() {
    CaffeineCacheStore store = CaffeineCacheStore.builder().ticker(ticker).build();
    store.put("short", new byte[] {1}, Duration.ofSeconds(1)).join();
    store.put("long", new byte[] {2}, Duration.ofHours(2)).join();
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertEquals(Optional.empty(), store.get("short").join());
    assertArrayEquals(new byte[] {2}, store.get("long").join().orElseThrow());
    nanos.addAndGet(Duration.ofHours(2).toNanos());
    assertEquals(Optional.empty(), store.get("long").join());
  }

  @Test
  void itIsBoundedByBytesAndReportsWhatItHolds() {
    CaffeineCacheStore store = CaffeineCacheStore.builder().maximumBytes(100_000).build();
    for (int i = 0; i < 50; i++) {
      store.put("k" + i, new byte[10_000], Duration.ofMinutes(1)).join();
    }
    store.cleanUp();
    assertTrue(store.weightedBytes() <= 100_000, "held " + store.weightedBytes());
    assertTrue(store.weightedBytes() >= 50_000, "held " + store.weightedBytes());
    assertTrue(store.entryCount() < 50);
    store.put("too-big", new byte[200_000], Duration.ofMinutes(1)).join();
    assertEquals(Optional.empty(), store.get("too-big").join(), "a value over the bound is not kept");
  }

  @Test
  void theGaugeReportsL1Bytes() {
    CaffeineCacheStore store = CaffeineCacheStore.create();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    store.bindTo(registry);
    store.put("audio", new byte[4096], Duration.ofMinutes(1)).join();
    double gauge = registry.get("officehours.cache.l1.bytes").gauge().value();
    assertTrue(gauge >= 4096, "gauge " + gauge);
    assertEquals(store.weightedBytes(), (long) gauge);
  }

  @Test
  void valuesAreCopiedInAndOut() {
    CaffeineCacheStore store = CaffeineCacheStore.create();
    byte[] value = {1, 2, 3};
    store.put("k", value, Duration.ofMinutes(1)).join();
    value[0] = 9;
    byte[] out = store.get("k").join().orElseThrow();
    out[1] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, store.get("k").join().orElseThrow());
    store.delete("k").join();
    assertEquals(Optional.empty(), store.get("k").join());
  }

  @Test
  void theBuilderNamesBadValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CaffeineCacheStore.builder().maximumBytes(10));
    assertTrue(e.getMessage().contains("maximumBytes") && e.getMessage().contains("10"), e.getMessage());
    IllegalArgumentException ttl = assertThrows(IllegalArgumentException.class,
        () -> CaffeineCacheStore.create().put("k", new byte[1], Duration.ZERO));
    assertTrue(ttl.getMessage().contains("ttl"), ttl.getMessage());
    assertEquals(64L * 1024 * 1024, CaffeineCacheStore.create().maximumBytes());
  }
}
