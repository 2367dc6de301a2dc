package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.cache.CacheStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link CacheStore} promises: a put value comes back byte for byte until its own TTL
 * passes, a later put replaces it, a delete removes it, a TTL that is not positive is rejected at
 * once (a store throws only for invalid arguments), and concurrent writers and readers never see
 * a torn value.
 *
 * <p>Extend it and implement {@link #createStore(ManualTime)}. A store whose expiry reads an
 * injectable clock takes the given {@link ManualTime} and the contract moves it; a store that
 * expires on its own clock (Redis) overrides {@link #followsManualTime()} to return false, and the
 * contract then uses short TTLs and waits for them.
 */
@Timeout(60)
public abstract class CacheStoreContract {
  private final List<CacheStore> stores = new ArrayList<>();
  private final ManualTime time = new ManualTime();

  /** For subclasses. */
  protected CacheStoreContract() {}

  /**
   * A new, empty store. The contract closes it after the test if it is {@link AutoCloseable}.
   *
   * @param time the time the store should expire entries by, when it can take one
   * @return the store under test
   * @throws Exception when it cannot be created
   */
  protected abstract CacheStore createStore(ManualTime time) throws Exception;

  /**
   * Whether the store expires entries by the {@link ManualTime} given to {@link #createStore}.
   *
   * @return true (the default) when it does; false to make the contract wait in real time
   */
  protected boolean followsManualTime() {
    return true;
  }

  @AfterEach
  final void closeStores() throws Exception {
    for (CacheStore s : stores) {
      if (s instanceof AutoCloseable) {
        ((AutoCloseable) s).close();
      }
    }
  }

  private CacheStore store() throws Exception {
    CacheStore s = createStore(time);
    stores.add(s);
    return s;
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String key(String what) {
    return "contract:" + what + ":" + UUID.randomUUID();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<byte[]> get(CacheStore store, String key) throws Exception {
    return await(store.get(key));
  }

  /** Lets {@code ttl} pass, by the manual clock or by waiting for the store to drop {@code key}. */
  private void letPass(CacheStore store, String key, Duration ttl) throws Exception {
    if (followsManualTime()) {
      time.advance(ttl.plusMillis(1));
    } else {
      Await.until("the entry to expire", () -> {
        try {
          return get(store, key).isEmpty();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
    }
  }

  private Duration shortTtl() {
    return followsManualTime() ? Duration.ofMinutes(5) : Duration.ofMillis(300);
  }

  @Test
  void aPutValueComesBackByteForByte() throws Exception {
    CacheStore store = store();
    byte[] value = new byte[256 * 3];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i;
    }
    String key = key("bytes");
    await(store.put(key, value.clone(), Duration.ofMinutes(10)));
    assertArrayEquals(value, get(store, key).orElseThrow());
  }

  @Test
  void keysAreExactStringsUnicodeAndSeparatorsIncluded() throws Exception {
    CacheStore store = store();
    String base = key("grüße/öffnungszeiten 🙂");
    await(store.put(base, bytes("a"), Duration.ofMinutes(10)));
    await(store.put(base + " ", bytes("b"), Duration.ofMinutes(10)));
    await(store.put(base + ":x", bytes("c"), Duration.ofMinutes(10)));
    assertArrayEquals(bytes("a"), get(store, base).orElseThrow());
    assertArrayEquals(bytes("b"), get(store, base + " ").orElseThrow());
    assertArrayEquals(bytes("c"), get(store, base + ":x").orElseThrow());
  }

  @Test
  void anAbsentKeyIsEmpty() throws Exception {
    assertTrue(get(store(), key("absent")).isEmpty());
  }

  @Test
  void aLaterPutReplacesTheValue() throws Exception {
    CacheStore store = store();
    String key = key("replace");
    await(store.put(key, bytes("first, a longer value"), Duration.ofMinutes(10)));
    await(store.put(key, bytes("second"), Duration.ofMinutes(10)));
    assertArrayEquals(bytes("second"), get(store, key).orElseThrow());
  }

  @Test
  void deleteRemovesAValueAndAnAbsentOneAlike() throws Exception {
    CacheStore store = store();
    String key = key("delete");
    await(store.put(key, bytes("v"), Duration.ofMinutes(10)));
    await(store.delete(key));
    assertTrue(get(store, key).isEmpty());
    await(store.delete(key("never stored")));
  }

  @Test
  void aValueLivesUntilItsTtl() throws Exception {
    CacheStore store = store();
    String key = key("lives");
    await(store.put(key, bytes("v"), Duration.ofMinutes(10)));
    if (followsManualTime()) {
      time.advance(Duration.ofMinutes(9));
    }
    assertArrayEquals(bytes("v"), get(store, key).orElseThrow());
  }

  @Test
  void aValueIsGoneOnceItsTtlHasPassed() throws Exception {
    CacheStore store = store();
    String key = key("expires");
    Duration ttl = shortTtl();
    await(store.put(key, bytes("v"), ttl));
    letPass(store, key, ttl);
    assertTrue(get(store, key).isEmpty(), "still there after its TTL");
  }

  @Test
  void eachValueExpiresByItsOwnTtl() throws Exception {
    CacheStore store = store();
    String brief = key("brief");
    String lasting = key("lasting");
    Duration ttl = shortTtl();
    await(store.put(lasting, bytes("lasting"), Duration.ofHours(1)));
    await(store.put(brief, bytes("brief"), ttl));
    letPass(store, brief, ttl);
    assertTrue(get(store, brief).isEmpty(), "the short-lived value outlived its TTL");
    assertArrayEquals(bytes("lasting"), get(store, lasting).orElseThrow());
  }

  @Test
  void aReplacingPutSetsANewTtl() throws Exception {
    CacheStore store = store();
    String key = key("new ttl");
    Duration ttl = shortTtl();
    await(store.put(key, bytes("old"), Duration.ofHours(1)));
    await(store.put(key, bytes("new"), ttl));
    letPass(store, key, ttl);
    assertTrue(get(store, key).isEmpty(), "the replacing put kept the old TTL");
  }

  @Test
  void aTtlThatIsNotPositiveIsRejectedAtOnce() throws Exception {
    CacheStore store = store();
    String key = key("bad ttl");
    assertThrows(IllegalArgumentException.class, () -> store.put(key, bytes("v"), Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> store.put(key, bytes("v"), Duration.ofSeconds(-1)));
    assertTrue(get(store, key).isEmpty(), "a rejected put stored something");
  }

  @Test
  void concurrentWritersAndReadersOfManyKeysLoseNothing() throws Exception {
    CacheStore store = store();
    int threads = 8;
    int perThread = 100;
    String prefix = key("many");
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            String k = prefix + ":" + thread + ":" + i;
            await(store.put(k, bytes(k), Duration.ofMinutes(10)));
            await(store.get(prefix + ":" + ((thread + 1) % threads) + ":" + i));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        String k = prefix + ":" + t + ":" + i;
        assertArrayEquals(bytes(k), get(store, k).orElseThrow(() -> new AssertionError("lost " + k)));
      }
    }
  }

  @Test
  void concurrentWritersOfOneKeyLeaveOneWholeValue() throws Exception {
    CacheStore store = store();
    String key = key("contended");
    int writers = 8;
    List<byte[]> values = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      byte[] v = new byte[4096];
      java.util.Arrays.fill(v, (byte) w);
      values.add(v);
    }
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (byte[] v : values) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 50; i++) {
            await(store.put(key, v.clone(), Duration.ofMinutes(10)));
            byte[] seen = await(store.get(key)).orElseThrow();
            assertTrue(values.stream().anyMatch(x -> java.util.Arrays.equals(x, seen)), "a torn value");
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    byte[] last = get(store, key).orElseThrow();
    assertEquals(1, values.stream().filter(x -> java.util.Arrays.equals(x, last)).count());
  }
}
