package dev.officehours;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A {@link PipelineClock} that moves only when the test says so: {@link #advance} runs every task
 * that has come due, in time order, on the test's thread (tasks only enqueue onto a turn's
 * mailbox, so they return at once). Its lock is fair: a test that advances in a tight loop must
 * not starve a turn's thread that is scheduling its next timer.
 */
final class ManualClock implements PipelineClock {
  private static final class Task {
    final long due;
    final long seq;
    final Runnable run;
    volatile boolean cancelled;

    Task(long due, long seq, Runnable run) {
      this.due = due;
      this.seq = seq;
      this.run = run;
    }
  }

  private final ReentrantLock lock = new ReentrantLock(true);
  private final Condition scheduled = lock.newCondition();
  private final List<Task> tasks = new ArrayList<>();
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public long nanoTime() {
    lock.lock();
    try {
      return now;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Timer schedule(Runnable task, Duration delay) {
    lock.lock();
    try {
      Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, task);
      tasks.add(t);
      scheduled.signalAll();
      return () -> t.cancelled = true;
    } finally {
      lock.unlock();
    }
  }

  /** When each task scheduled and not cancelled comes due, on this clock, earliest first. */
  List<Long> pendingDue() {
    lock.lock();
    try {
      return tasks.stream().filter(t -> !t.cancelled).map(t -> t.due).sorted().toList();
    } finally {
      lock.unlock();
    }
  }

  /** Moves time forward by {@code d}, running what comes due on the way. */
  void advance(Duration d) {
    long target;
    lock.lock();
    try {
      target = now + d.toNanos();
    } finally {
      lock.unlock();
    }
    while (true) {
      Task next;
      lock.lock();
      try {
        next = tasks.stream().filter(t -> !t.cancelled && t.due <= target)
            .min(Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.seq))
            .orElse(null);
        if (next == null) {
          now = target;
          tasks.removeIf(t -> t.cancelled);
          return;
        }
        tasks.remove(next);
        now = Math.max(now, next.due);
      } finally {
        lock.unlock();
      }
      next.run.run();
    }
  }

  /** Moves time forward without running anything (a timer that has not fired yet). */
  void jump(Duration d) {
    lock.lock();
    try {
      now += d.toNanos();
    } finally {
      lock.unlock();
    }
  }

  /** Tasks scheduled and neither run nor cancelled. */
  int pending() {
    lock.lock();
    try {
      return (int) tasks.stream().filter(t -> !t.cancelled).count();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until at least {@code n} tasks are pending (a turn has armed its timers). */
  void awaitPending(int n) {
    awaitUntil(() -> tasks.stream().filter(t -> !t.cancelled).count() >= n,
        "fewer than " + n + " timers armed");
  }

  /**
   * Waits until at least {@code n} tasks are pending or {@code done} says so: after an advance,
   * until the turn has armed its next timer, so the test never moves time ahead of the turn.
   */
  void awaitPendingOr(int n, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pending() < n && !done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + n + " timers armed within 10 s");
      }
      Thread.onSpinWait();
    }
  }

  /** Waits until a task is pending that comes due exactly {@code d} from now. */
  void awaitDue(Duration d) {
    awaitUntil(() -> tasks.stream().anyMatch(t -> !t.cancelled && t.due == now + d.toNanos()),
        "no timer due in " + d);
  }

  private void awaitUntil(BooleanSupplier condition, String failure) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    lock.lock();
    try {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(failure + " within 10 s");
        }
        scheduled.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      lock.unlock();
    }
  }
}
