package dev.officehours.cache;

import dev.officehours.testkit.CacheStoreContract;
import dev.officehours.testkit.ManualTime;

/** {@link TieredCacheStore} of two Caffeine tiers keeps the cache store contract. */
class TieredCacheStoreContractTest extends CacheStoreContract {
  @Override
  protected CacheStore createStore(ManualTime time) {
    return TieredCacheStore.of(CaffeineCacheStore.builder().ticker(time::nanos).build(),
        CaffeineCacheStore.builder().ticker(time::nanos).build());
  }
}
