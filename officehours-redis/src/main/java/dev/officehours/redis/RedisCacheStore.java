package dev.officehours.redis;

import dev.officehours.cache.CacheStore;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CacheStore} in Redis: {@code GET}, and {@code SET key value PX ttl}, binary-safe, keys
 * prefixed with the connection's namespace ({@code <namespace>:cache:<key>}). Get one from
 * {@link OfficeHoursRedis#cacheStore()}; put a {@code CaffeineCacheStore} in front of it with
 * {@code TieredCacheStore} to keep hot audio in memory.
 *
 * <p>Fails open: when Redis is slow or down, the future fails within the command timeout (at
 * once while disconnected, or while the connection's health gate is closed after a timeout), the
 * cache counts an error and treats it as a miss, and a warning is logged at most once per 10 s.
 * When Redis comes back, hits resume without a restart.
 *
 * <p>Writes ({@code put}, {@code delete}) carry a deadline checked by Redis itself, so a write
 * whose future failed is never applied later (see {@link OfficeHoursRedis}).
 */
public final class RedisCacheStore implements CacheStore {
  private static final Logger log = LoggerFactory.getLogger(RedisCacheStore.class);

  /** KEYS[1] the key; ARGV[1] deadline, ARGV[2] value, ARGV[3] ttl ms. */
  private static final String SET = RedisLink.DEADLINE_GUARD
      + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
      + "return 1";
  /** KEYS[1] the key; ARGV[1] deadline. */
  static final String DEL = RedisLink.DEADLINE_GUARD
      + "redis.call('DEL', KEYS[1])\n"
      + "return 1";

  private final OfficeHoursRedis redis;
  private final String kind;
  private final RateLimitedWarning warning = new RateLimitedWarning(log, Duration.ofSeconds(10));

  RedisCacheStore(OfficeHoursRedis redis, String kind) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.kind = kind;
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(String key) {
    byte[] k = redis.key(kind, key);
    return reported("GET", redis.link().read(c -> c.get(k))).thenApply(Optional::ofNullable);
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive but was " + ttl);
    }
    byte[][] keys = {redis.key(kind, key)};
    byte[] px = Long.toString(Math.max(1, ttl.toMillis())).getBytes(StandardCharsets.US_ASCII);
    return reported("SET", redis.link().write("SET", (c, deadline) ->
        c.eval(SET, ScriptOutputType.INTEGER, keys, deadline, value, px)));
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    byte[][] keys = {redis.key(kind, key)};
    return reported("DEL", redis.link().write("DEL", (c, deadline) ->
        c.eval(DEL, ScriptOutputType.INTEGER, keys, deadline)));
  }

  private <T> CompletableFuture<T> reported(String command, CompletableFuture<T> f) {
    return f.whenComplete((v, e) -> {
      if (e != null) {
        warning.warn("Redis " + command + " failed on " + redis
            + (command.equals("GET") ? "; treated as a cache miss" : "; the write is dropped"), e);
      }
    });
  }

  @Override
  public String toString() {
    return "RedisCacheStore[" + redis + "]";
  }
}
