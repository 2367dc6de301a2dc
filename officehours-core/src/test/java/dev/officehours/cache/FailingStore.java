package dev.officehours.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A store whose backend is down: every call fails, as a store behind a lost connection does. */
final class FailingStore implements CacheStore {
  @Override
  public CompletableFuture<Optional<byte[]>> get(String key) {
    return CompletableFuture.failedFuture(new IllegalStateException("store down"));
  }

  @Override
  public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
    return CompletableFuture.failedFuture(new IllegalStateException("store down"));
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    return CompletableFuture.failedFuture(new IllegalStateException("store down"));
  }
}
