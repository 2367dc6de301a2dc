package dev.officehours.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A store of binary values with a time to live, shared by the {@link TtsCache} (audio) and the
 * {@link AnswerCache} (answer text). Implementations: {@link CaffeineCacheStore} in this JVM (the
 * default), {@code RedisCacheStore} in {@code officehours-redis} across machines, and
 * {@link TieredCacheStore} for both at once.
 *
 * <p>Methods must not block the caller on the network: they return futures. A store that fails
 * (timeout, connection lost) completes the future exceptionally, within its own timeout; the
 * caches built on it then treat a read as a miss and a write as dropped, and report the failure to
 * {@link dev.officehours.metrics.PipelineObserver#cacheError(String)}. A store reports its own
 * failures through the future, never by throwing; it throws only for invalid arguments.
 *
 * <p>Values are handed over: neither side modifies an array after passing it.
 */
public interface CacheStore {

  /**
   * Looks up a value.
   *
   * @param key the key, non-empty
   * @return the value, or empty when absent or expired
   */
  CompletableFuture<Optional<byte[]>> get(String key);

  /**
   * Stores a value, replacing any older one.
   *
   * @param key the key, non-empty
   * @param value the value
   * @param ttl how long the value lives, positive
   * @return completes when stored (or exceptionally when the store failed)
   */
  CompletableFuture<Void> put(String key, byte[] value, Duration ttl);

  /**
   * Removes a value, if present.
   *
   * @param key the key
   * @return completes when removed
   */
  CompletableFuture<Void> delete(String key);
}
