package dev.officehours.cache;

import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default executor of the caches' callbacks (replayed answers, cached audio): a small shared
 * pool of daemon threads, so a cache hit never runs a listener on the caller's thread and never
 * depends on the common pool (which has one thread on a 2-core machine).
 */
final class CacheExecutor {
  private static final Logger log = LoggerFactory.getLogger(CacheExecutor.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private CacheExecutor() {}

  private static final class Holder {
    static final Executor POOL = new ForkJoinPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        p -> {
          ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
          t.setName("officehours-cache-" + IDS.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        (t, e) -> log.error("uncaught exception in cache thread {}", t.getName(), e),
        true);
  }

  static Executor shared() {
    return Holder.POOL;
  }
}
