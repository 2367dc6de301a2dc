package dev.officehours.redis;

import dev.officehours.cache.CacheStore;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CacheStore} in Redis: {@code GET}, and {@code SET key value PX ttl}, binary-safe, keys
 * prefixed with the connection's namespace ({@code <namespace>:cache:<key>}). Get one from
 * {@link OfficeHoursRedis#cacheStore()}; put a {@code CaffeineCacheStore} in front of it with
 * {@code TieredCacheStore} to keep hot audio in memory.
 *
 * <p>Fails open: when Redis is slow or down, the future fails within the command timeout (at
 * once while disconnected), the cache counts an error and treats it as a miss, and a warning is
 * logged at most once per 10 s. When Redis comes back, hits resume without a restart.
 */
public final class RedisCacheStore implements CacheStore {
  private static final Logger log = LoggerFactory.getLogger(RedisCacheStore.class);

  private final OfficeHoursRedis redis;
  private final String kind;
  private final RateLimitedWarning warning = new RateLimitedWarning(log, Duration.ofSeconds(10));
  private final long guardMillis;

  RedisCacheStore(OfficeHoursRedis redis, String kind) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.kind = kind;
    // lettuce times commands out itself; this only bounds a future that somehow never completes
    this.guardMillis = redis.commandTimeout().toMillis() * 2 + 100;
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(String key) {
    return call("GET", () -> redis.commands().get(redis.key(kind, key)).toCompletableFuture())
        .thenApply(Optional::ofNullable);
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive but was " + ttl);
    }
    return call("SET", () -> redis.commands()
        .set(redis.key(kind, key), value, SetArgs.Builder.px(Math.max(1, ttl.toMillis())))
        .toCompletableFuture())
        .thenApply(ok -> null);
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    return call("DEL", () -> redis.commands().del(redis.key(kind, key)).toCompletableFuture())
        .thenApply(n -> null);
  }

  private <T> CompletableFuture<T> call(String command, java.util.function.Supplier<CompletableFuture<T>> send) {
    CompletableFuture<T> f;
    try {
      f = send.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.orTimeout(guardMillis, TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
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
