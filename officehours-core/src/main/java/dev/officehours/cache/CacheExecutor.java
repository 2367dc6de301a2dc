package dev.officehours.cache;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default executor of the caches' callbacks (replayed answers, cached and shared audio): a
 * shared elastic pool of daemon threads, so a cache hit never runs a listener on the caller's
 * thread and never depends on the common pool (which has one thread on a 2-core machine).
 *
 * <p>Elastic, not a fixed pool, because a sink may block: the engine pushes back on a turn whose
 * audio is not being consumed by blocking in {@code AudioSink.onAudio}. In a fixed pool of N
 * threads, N such sinks would stall every other request's audio, and could deadlock a turn whose
 * blocked later chunk waits for its earlier chunk's audio to come through the same pool. A
 * {@code ForkJoinPool} would not help: it adds threads only for blocking done through
 * {@code ManagedBlocker}, which the sinks (code outside this package) do not use. Here a task
 * gets an idle thread or a new one; a thread idle for 60 s ends. The number of threads is the
 * number of callbacks running at once, which the engine bounds by the syntheses it has in
 * flight; a thread costs nothing while its request waits on the network.
 */
final class CacheExecutor {
  private static final Logger log = LoggerFactory.getLogger(CacheExecutor.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private CacheExecutor() {}

  private static final class Holder {
    static final Executor POOL = new ThreadPoolExecutor(
        0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "officehours-cache-" + IDS.incrementAndGet());
          t.setDaemon(true);
          t.setUncaughtExceptionHandler(
              (th, e) -> log.error("uncaught exception in cache thread {}", th.getName(), e));
          return t;
        });
  }

  static Executor shared() {
    return Holder.POOL;
  }
}
