package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock that moves only when the test advances it, running what comes due on the test's thread. */
final class StepClock implements PipelineClock {
  private record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

  private final List<Task> tasks = new ArrayList<>();
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Timer schedule(Runnable task, Duration delay) {
    boolean[] cancelled = new boolean[1];
    tasks.add(new Task(now + delay.toNanos(), seq++, task, cancelled));
    return () -> {
      synchronized (StepClock.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Timers armed and neither run nor cancelled. */
  synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.cancelled()[0]).count();
  }

  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> !t.cancelled()[0] && t.due() <= target)
            .min(Comparator.comparingLong(Task::due).thenComparingLong(Task::seq)).orElse(null);
        if (next == null) {
          now = target;
          tasks.removeIf(t -> t.cancelled()[0]);
          return;
        }
        tasks.remove(next);
        now = Math.max(now, next.due());
      }
      next.run().run();
    }
  }
}
