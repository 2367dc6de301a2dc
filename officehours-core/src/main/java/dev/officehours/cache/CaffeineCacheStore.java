package dev.officehours.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link CacheStore} in this JVM's memory (Caffeine), bounded by the bytes it holds (default
 * 64 MB, least useful entries evicted first), each entry expiring after its own TTL.
 *
 * <p>As a {@link MeterBinder} it publishes the gauge {@code officehours.cache.l1.bytes}: the bytes
 * of values held now.
 */
public final class CaffeineCacheStore implements CacheStore, MeterBinder {
  /** The default bound: 64 MB. */
  public static final long DEFAULT_MAXIMUM_BYTES = 64L * 1024 * 1024;

  private final Cache<String, Entry> cache;
  private final long maximumBytes;

  private CaffeineCacheStore(Builder b) {
    this.maximumBytes = b.maximumBytes;
    this.cache = Caffeine.newBuilder()
        .maximumWeight(b.maximumBytes)
        .weigher((String key, Entry e) -> e.weight(key))
        .expireAfter(new PerEntryTtl())
        .ticker(b.ticker)
        .executor(Runnable::run)
        .build();
  }

  /**
   * A store with the defaults: 64 MB, the system clock.
   *
   * @return a new, empty store
   */
  public static CaffeineCacheStore create() {
    return builder().build();
  }

  /**
   * Starts a store with custom limits.
   *
   * @return a builder with the defaults of {@link #create()}
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(String key) {
    Entry e = cache.getIfPresent(key);
    return CompletableFuture.completedFuture(e == null ? Optional.empty() : Optional.of(e.value.clone()));
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    requirePositive("ttl", ttl);
    if ((long) value.length + key.length() * 2L + Entry.OVERHEAD <= maximumBytes) {
      cache.put(key, new Entry(value.clone(), ttl.toNanos()));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    cache.invalidate(key);
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The bytes held now, as the weigher counts them: values plus keys plus a small per-entry
   * overhead. Expired entries not yet cleaned up may still count.
   *
   * @return the weighted size in bytes, at most {@link #maximumBytes()} once maintenance has run
   */
  public long weightedBytes() {
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  /**
   * The bound on {@link #weightedBytes()}.
   *
   * @return the most bytes held, as set on the builder
   */
  public long maximumBytes() {
    return maximumBytes;
  }

  /**
   * Entries held now (expired ones not yet cleaned up may count).
   *
   * @return an estimate of the number of entries
   */
  public long entryCount() {
    return cache.estimatedSize();
  }

  /** Runs pending maintenance (evictions, expiry) now; for tests and gauges. */
  public void cleanUp() {
    cache.cleanUp();
  }

  /** Registers the gauge {@code officehours.cache.l1.bytes}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("officehours.cache.l1.bytes", this, CaffeineCacheStore::weightedBytes)
        .description("bytes held by the in-memory (L1) cache store")
        .baseUnit("bytes")
        .register(registry);
  }

  @Override
  public String toString() {
    return "CaffeineCacheStore[" + weightedBytes() + "/" + maximumBytes + " bytes]";
  }

  static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + d);
    }
  }

  private static final class Entry {
    /** Roughly what an entry costs beyond its key and value: node, entry, array headers. */
    static final int OVERHEAD = 96;
    final byte[] value;
    final long ttlNanos;

    Entry(byte[] value, long ttlNanos) {
      this.value = value;
      this.ttlNanos = ttlNanos;
    }

    int weight(String key) {
      long w = (long) value.length + key.length() * 2L + OVERHEAD;
      return (int) Math.min(Integer.MAX_VALUE, w);
    }
  }

  private static final class PerEntryTtl implements Expiry<String, Entry> {
    @Override
    public long expireAfterCreate(String key, Entry e, long currentTime) {
      return e.ttlNanos;
    }

    @Override
    public long expireAfterUpdate(String key, Entry e, long currentTime, long currentDuration) {
      return e.ttlNanos;
    }

    @Override
    public long expireAfterRead(String key, Entry e, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /** Builds a {@link CaffeineCacheStore}; every argument is validated at once. */
  public static final class Builder {
    private long maximumBytes = DEFAULT_MAXIMUM_BYTES;
    private Ticker ticker = Ticker.systemTicker();

    private Builder() {}

    /**
     * Sets the bound on the bytes held. A value larger than the bound is not stored at all.
     *
     * @param maximumBytes the most bytes held, least useful entries evicted first (default 64 MiB);
     *     at least 1024
     * @return this builder
     * @throws IllegalArgumentException when {@code maximumBytes} is below 1024
     */
    public Builder maximumBytes(long maximumBytes) {
      if (maximumBytes < 1024) {
        throw new IllegalArgumentException("maximumBytes must be at least 1024 but was " + maximumBytes);
      }
      this.maximumBytes = maximumBytes;
      return this;
    }

    /**
     * Sets the time source of expiry.
     *
     * @param ticker the time source (default {@link Ticker#systemTicker()}); tests advance a fake
     *     one
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the store.
     *
     * @return a new, empty store with these settings
     */
    public CaffeineCacheStore build() {
      return new CaffeineCacheStore(this);
    }
  }
}
