package dev.officehours.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Two stores as one: a fast L1 (usually a {@link CaffeineCacheStore}) in front of a shared L2
 * (usually {@code RedisCacheStore}).
 *
 * <ul>
 *   <li>{@link #get}: L1 first; on an L1 miss, L2, and an L2 hit fills L1 (with
 *       {@link Builder#l1FillTtl}, since the L2 entry's remaining life is unknown);
 *   <li>{@link #put} and {@link #delete}: both tiers.
 * </ul>
 *
 * <p>An L2 failure never loses what L1 knows: a {@code put} is written to L1 first, and the
 * returned future fails only to report the L2 failure; a {@code get} that L1 answers never waits
 * for L2. A failed L2 read completes the future exceptionally, which the caches count as an error
 * and treat as a miss.
 */
public final class TieredCacheStore implements CacheStore {
  private final CacheStore l1;
  private final CacheStore l2;
  private final Duration l1FillTtl;

  private TieredCacheStore(Builder b) {
    this.l1 = b.l1;
    this.l2 = b.l2;
    this.l1FillTtl = b.l1FillTtl;
  }

  /**
   * L1 in front of L2, with the default L1 fill TTL (5 min).
   *
   * @param l1 the near, fast tier; not null
   * @param l2 the shared tier; not null, not the same store as {@code l1}
   * @return the tiered store
   * @throws IllegalArgumentException when {@code l1} and {@code l2} are the same store
   */
  public static TieredCacheStore of(CacheStore l1, CacheStore l2) {
    return builder(l1, l2).build();
  }

  /**
   * Starts a tiered store.
   *
   * @param l1 the near, fast tier; not null
   * @param l2 the shared tier; not null, not the same store as {@code l1}
   * @return a builder with the default L1 fill TTL
   * @throws IllegalArgumentException when {@code l1} and {@code l2} are the same store
   */
  public static Builder builder(CacheStore l1, CacheStore l2) {
    return new Builder(l1, l2);
  }

  @Override
  public CompletableFuture<Optional<byte[]>> get(String key) {
    return l1.get(key).handle((v, e) -> v != null && v.isPresent() ? v : null)
        .thenCompose(near -> {
          if (near != null) {
            return CompletableFuture.completedFuture(near);
          }
          return l2.get(key).thenApply(far -> {
            far.ifPresent(bytes -> l1.put(key, bytes.clone(), l1FillTtl));
            return far;
          });
        });
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    CaffeineCacheStore.requirePositive("ttl", ttl);
    Duration nearTtl = ttl.compareTo(l1FillTtl) < 0 ? ttl : l1FillTtl;
    CompletableFuture<Void> near = l1.put(key, value.clone(), nearTtl);
    CompletableFuture<Void> far = l2.put(key, value, ttl);
    return CompletableFuture.allOf(near, far);
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    return CompletableFuture.allOf(l1.delete(key), l2.delete(key));
  }

  /**
   * The near tier.
   *
   * @return the L1 store
   */
  public CacheStore l1() {
    return l1;
  }

  /**
   * The shared tier.
   *
   * @return the L2 store
   */
  public CacheStore l2() {
    return l2;
  }

  @Override
  public String toString() {
    return "TieredCacheStore[l1=" + l1 + ", l2=" + l2 + "]";
  }

  /** Builds a {@link TieredCacheStore}; every argument is validated at once. */
  public static final class Builder {
    private final CacheStore l1;
    private final CacheStore l2;
    private Duration l1FillTtl = Duration.ofMinutes(5);

    private Builder(CacheStore l1, CacheStore l2) {
      this.l1 = Objects.requireNonNull(l1, "l1");
      this.l2 = Objects.requireNonNull(l2, "l2");
      if (l1 == l2) {
        throw new IllegalArgumentException("l1 and l2 must be different stores but both were " + l1);
      }
    }

    /**
     * Sets how long L1 keeps a value. Keeps L1 from outliving a deletion in L2 for long.
     *
     * @param l1FillTtl at most this after a put, exactly this after an L2 hit filled it (default 5
     *     min); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code l1FillTtl} is zero or negative
     */
    public Builder l1FillTtl(Duration l1FillTtl) {
      CaffeineCacheStore.requirePositive("l1FillTtl", l1FillTtl);
      this.l1FillTtl = l1FillTtl;
      return this;
    }

    /**
     * Builds the store.
     *
     * @return the tiered store
     */
    public TieredCacheStore build() {
      return new TieredCacheStore(this);
    }
  }
}
