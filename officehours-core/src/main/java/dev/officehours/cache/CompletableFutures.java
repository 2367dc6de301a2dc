package dev.officehours.cache;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Turns a store that throws instead of failing its future into one that fails its future. */
final class CompletableFutures {
  private CompletableFutures() {}

  static <T> CompletableFuture<T> guard(Supplier<CompletableFuture<T>> call) {
    try {
      CompletableFuture<T> f = call.get();
      return f != null ? f : CompletableFuture.failedFuture(new NullPointerException("store returned null"));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
