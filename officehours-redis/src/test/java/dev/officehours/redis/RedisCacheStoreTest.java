package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TieredCacheStore;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class RedisCacheStoreTest {
  private OfficeHoursRedis redis;
  private RedisCacheStore store;

  @BeforeEach
  void connect(RedisServerProcess server) {
    redis = OfficeHoursRedis.connect(server.uri());
    store = redis.cacheStore();
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void aOneMegabyteAudioValueRoundTripsByteForByte() throws Exception {
    byte[] audio = new byte[1024 * 1024];
    new Random(42).nextBytes(audio);
    store.put("audio", audio, Duration.ofMinutes(5)).get(5, TimeUnit.SECONDS);
    byte[] back = store.get("audio").get(5, TimeUnit.SECONDS).orElseThrow();
    assertArrayEquals(audio, back);
  }

  @Test
  void aValueExpiresAfterItsShortenedTtl() throws Exception {
    store.put("short", new byte[] {1, 2, 3}, Duration.ofMillis(200)).get(5, TimeUnit.SECONDS);
    store.put("long", new byte[] {4}, Duration.ofMinutes(5)).get(5, TimeUnit.SECONDS);
    assertTrue(store.get("short").get(5, TimeUnit.SECONDS).isPresent(), "present before its TTL");
    Await.until(Duration.ofSeconds(5), "the 200 ms value expires",
        () -> store.get("short").join().isEmpty());
    assertArrayEquals(new byte[] {4}, store.get("long").get(5, TimeUnit.SECONDS).orElseThrow());
  }

  @Test
  void missingKeysAreEmptyAndDeleteRemoves() throws Exception {
    assertEquals(Optional.empty(), store.get("nothing").get(5, TimeUnit.SECONDS));
    store.put("k", new byte[] {9}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);
    store.delete("k").get(5, TimeUnit.SECONDS);
    assertEquals(Optional.empty(), store.get("k").get(5, TimeUnit.SECONDS));
  }

  @Test
  void keysLiveInTheNamespace(RedisServerProcess server) throws Exception {
    try (OfficeHoursRedis other = OfficeHoursRedis.builder(server.uri()).namespace("other-app").build()) {
      store.put("k", new byte[] {1}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);
      assertEquals(Optional.empty(), other.cacheStore().get("k").get(5, TimeUnit.SECONDS));
      assertEquals(":1", server.command("EXISTS officehours:cache:k"));
    }
  }

  @Test
  void aTieredStoreFillsL1OnAnL2Hit() throws Exception {
    store.put("shared", new byte[] {5, 6}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);
    CaffeineCacheStore l1 = CaffeineCacheStore.create();
    TieredCacheStore tiered = TieredCacheStore.of(l1, store);
    assertEquals(Optional.empty(), l1.get("shared").join());
    assertArrayEquals(new byte[] {5, 6}, tiered.get("shared").get(5, TimeUnit.SECONDS).orElseThrow());
    assertArrayEquals(new byte[] {5, 6}, l1.get("shared").join().orElseThrow(), "L1 filled");

    tiered.put("both", new byte[] {7}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);
    assertArrayEquals(new byte[] {7}, store.get("both").get(5, TimeUnit.SECONDS).orElseThrow(), "written to Redis");
    assertArrayEquals(new byte[] {7}, l1.get("both").join().orElseThrow(), "and to L1");
  }

  @Test
  void whenRedisIsDownReadsAndWritesFailWithinTheTimeoutAndRecoverAfterRestart(RedisServerProcess server)
      throws Exception {
    store.put("k", new byte[] {1}, Duration.ofMinutes(5)).get(5, TimeUnit.SECONDS);
    server.stop();

    long start = System.nanoTime();
    assertThrows(Exception.class, () -> store.get("k").get(5, TimeUnit.SECONDS));
    assertThrows(Exception.class, () -> store.put("k2", new byte[] {2}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS));
    Duration failedIn = Duration.ofNanos(System.nanoTime() - start);
    // a bound on behaviour, not a speed test: the 250 ms command timeout (x2 guard) is honoured
    assertTrue(failedIn.compareTo(Duration.ofSeconds(2)) < 0, "failed in " + failedIn);
    assertFalse(redis.isConnected() && store.get("k").handle((v, e) -> e == null).join());

    server.start();
    store.put("k3", new byte[] {3}, Duration.ofMinutes(1)).exceptionally(e -> null);
    Duration back = Await.until(Duration.ofSeconds(5), "writes and reads work again after restart",
        () -> store.put("k3", new byte[] {3}, Duration.ofMinutes(1))
            .thenCompose(v -> store.get("k3"))
            .handle((v, e) -> e == null && v.isPresent())
            .join());
    System.out.println("Redis usable again " + back.toMillis() + " ms after restart");
  }

  @Test
  void theBuilderNamesBadValues() {
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
        () -> OfficeHoursRedis.builder("http://secret@host:6379"));
    assertTrue(scheme.getMessage().contains("http://..."), scheme.getMessage());
    assertFalse(scheme.getMessage().contains("secret"), "no credentials in messages");
    IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
        () -> OfficeHoursRedis.builder("redis://localhost").commandTimeout(Duration.ZERO));
    assertTrue(timeout.getMessage().contains("commandTimeout"), timeout.getMessage());
    assertThrows(IllegalArgumentException.class, () -> OfficeHoursRedis.builder("redis://localhost").namespace("a b"));
  }

  @Test
  void theBuilderNamesBadHealthGateSettings() {
    OfficeHoursRedis.Builder b = OfficeHoursRedis.builder("redis://localhost");
    IllegalArgumentException probe = assertThrows(IllegalArgumentException.class, () -> b.probeInterval(Duration.ZERO));
    assertTrue(probe.getMessage().contains("probeInterval"), probe.getMessage());
    IllegalArgumentException sync = assertThrows(IllegalArgumentException.class,
        () -> b.clockSyncInterval(Duration.ofSeconds(-1)));
    assertTrue(sync.getMessage().contains("clockSyncInterval"), sync.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> b.clockSkewAllowance(Duration.ofMillis(-1)));
    assertTrue(negative.getMessage().contains("clockSkewAllowance"), negative.getMessage());
    // checked when both are known, before anything connects
    IllegalArgumentException skew = assertThrows(IllegalArgumentException.class,
        () -> b.commandTimeout(Duration.ofMillis(100)).clockSkewAllowance(Duration.ofMillis(100)).build());
    assertTrue(skew.getMessage().contains("clockSkewAllowance") && skew.getMessage().contains("commandTimeout"),
        skew.getMessage());
  }

  @Test
  void aMalformedUriNeverEchoesItsPassword() {
    // An un-encoded % makes java.net.URI fail with the whole URI in its message.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OfficeHoursRedis.connect("redis://:s3cr%t@127.0.0.1:6379"));
    assertFalse(String.valueOf(e.getMessage()).contains("s3cr"), e.getMessage());
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      assertFalse(String.valueOf(c.getMessage()).contains("s3cr"), c.getMessage());
    }
    assertTrue(e.getMessage().contains("redis://..."), e.getMessage());
  }

  @Test
  void toStringHidesThePassword(RedisServerProcess server) {
    try (OfficeHoursRedis r = OfficeHoursRedis.connect("redis://127.0.0.1:" + server.port())) {
      assertEquals(Duration.ofMillis(250), r.commandTimeout());
      assertTrue(r.toString().contains("127.0.0.1:" + server.port()), r.toString());
    }
    // this Redis has no password set and accepts any; the point is what toString shows
    try (OfficeHoursRedis r = OfficeHoursRedis.connect("redis://:hunter2@127.0.0.1:" + server.port())) {
      assertFalse(r.toString().contains("hunter2"), r.toString());
    }
  }
}
