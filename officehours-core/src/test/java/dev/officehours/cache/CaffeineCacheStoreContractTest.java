package dev.officehours.cache;

import dev.officehours.testkit.CacheStoreContract;
import dev.officehours.testkit.ManualTime;

/** {@link CaffeineCacheStore} keeps the cache store contract. */
class CaffeineCacheStoreContractTest extends CacheStoreContract {
  @Override
  protected CacheStore createStore(ManualTime time) {
    return CaffeineCacheStore.builder().ticker(time::nanos).build();
  }
}
