package dev.officehours.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded elastic pool for work that may block: a task waits in the queue while some thread is
 * free to take it, and a new thread starts (up to the cap) only when every thread is busy. So a
 * burst of short tasks runs on the few threads already there, while tasks that block (a listener
 * blocked on a slow client) get threads of their own until the cap; idle threads end after the
 * keep-alive, and one that ends while work is queued starts a replacement. What Java 21's virtual
 * threads give for free, on Java 17.
 */
public final class ElasticExecutor extends ThreadPoolExecutor {
  private final AtomicInteger unfinished = new AtomicInteger();

  /**
   * @param maxThreads the cap
   * @param keepAlive how long an idle thread lives
   * @param unit the unit of {@code keepAlive}
   * @param threads makes the threads
   */
  public ElasticExecutor(int maxThreads, long keepAlive, TimeUnit unit, ThreadFactory threads) {
    this(maxThreads, keepAlive, unit, new ReplacingFactory(threads));
  }

  private ElasticExecutor(int maxThreads, long keepAlive, TimeUnit unit, ReplacingFactory threads) {
    super(0, maxThreads, keepAlive, unit, new GrowFirstQueue(), threads, (task, pool) -> {
      if (pool.isShutdown()) {
        throw new RejectedExecutionException("the executor is shut down");
      }
      ((GrowFirstQueue) pool.getQueue()).enqueue(task); // at the cap: wait for a thread
    });
    ((GrowFirstQueue) getQueue()).pool = this;
    threads.pool = this;
  }

  @Override
  public void execute(Runnable task) {
    unfinished.incrementAndGet();
    try {
      super.execute(task);
    } catch (RejectedExecutionException e) {
      unfinished.decrementAndGet();
      throw e;
    }
  }

  @Override
  protected void afterExecute(Runnable task, Throwable error) {
    unfinished.decrementAndGet();
  }

  /** A thread that ends while work is queued (its idle time ran out meanwhile) starts another. */
  private static final class ReplacingFactory implements ThreadFactory {
    private final ThreadFactory threads;
    volatile ElasticExecutor pool;

    ReplacingFactory(ThreadFactory threads) {
      this.threads = threads;
    }

    @Override
    public Thread newThread(Runnable worker) {
      return threads.newThread(() -> {
        try {
          worker.run();
        } finally {
          ElasticExecutor p = pool;
          if (p != null && !p.isShutdown() && !p.getQueue().isEmpty()) {
            try {
              p.execute(() -> {});
            } catch (RejectedExecutionException e) {
              // shut down meanwhile: nothing to keep going
            }
          }
        }
      });
    }
  }

  /** Refuses a task only when every thread is busy, so the pool starts another one. */
  private static final class GrowFirstQueue extends LinkedBlockingQueue<Runnable> {
    private static final long serialVersionUID = 1L;
    transient ElasticExecutor pool;

    @Override
    public boolean offer(Runnable task) {
      ElasticExecutor p = pool;
      if (p != null && p.unfinished.get() > p.getPoolSize()
          && p.getPoolSize() < p.getMaximumPoolSize()) {
        return false;
      }
      return super.offer(task);
    }

    void enqueue(Runnable task) {
      super.offer(task);
    }
  }
}
