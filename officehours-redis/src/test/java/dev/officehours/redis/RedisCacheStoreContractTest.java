package dev.officehours.redis;

import dev.officehours.cache.CacheStore;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TieredCacheStore;
import dev.officehours.testkit.CacheStoreContract;
import dev.officehours.testkit.ManualTime;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RedisCacheStore} keeps the cache store contract against a real Redis, alone and as the
 * L2 of a {@link TieredCacheStore}. Redis expires keys by its own clock, so the contract waits.
 */
@ExtendWith(RedisExtension.class)
class RedisCacheStoreContractTest extends CacheStoreContract {
  private OfficeHoursRedis redis;

  @BeforeEach
  void connect(RedisServerProcess server) {
    redis = OfficeHoursRedis.connect(server.uri());
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Override
  protected CacheStore createStore(ManualTime time) {
    return redis.cacheStore();
  }

  @Override
  protected boolean followsManualTime() {
    return false;
  }

  /**
   * Caffeine in front of Redis, both on real time. An L2 hit fills L1 for {@code l1FillTtl},
   * since the L2 entry's remaining life is unknown: a value read just before Redis expires it
   * lives on in L1 for up to that long (documented on TieredCacheStore), so it is kept short here.
   */
  @Nested
  @ExtendWith(RedisExtension.class)
  class AsTheSharedTier extends CacheStoreContract {
    private OfficeHoursRedis tierRedis;

    @BeforeEach
    void connect(RedisServerProcess server) {
      tierRedis = OfficeHoursRedis.connect(server.uri());
    }

    @AfterEach
    void close() {
      tierRedis.close();
    }

    @Override
    protected CacheStore createStore(ManualTime time) {
      return TieredCacheStore.builder(CaffeineCacheStore.create(), tierRedis.cacheStore())
          .l1FillTtl(Duration.ofMillis(100)).build();
    }

    @Override
    protected boolean followsManualTime() {
      return false;
    }
  }
}
