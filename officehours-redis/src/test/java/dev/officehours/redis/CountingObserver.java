package dev.officehours.redis;

import dev.officehours.metrics.PipelineObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts cache callbacks by "result:cache", e.g. {@code error:history}. */
final class CountingObserver extends PipelineObserver {
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  int count(String what) {
    AtomicInteger n = counts.get(what);
    return n == null ? 0 : n.get();
  }

  private void inc(String what) {
    counts.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void cacheHit(String cache) {
    inc("hit:" + cache);
  }

  @Override
  public void cacheMiss(String cache) {
    inc("miss:" + cache);
  }

  @Override
  public void cacheError(String cache) {
    inc("error:" + cache);
  }
}
