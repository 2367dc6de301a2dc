package dev.officehours.internal;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: the actor mailbox of one
 * turn. Tasks of one instance never overlap, and everything a task wrote is visible to the next
 * (the queue and counter give happens-before), so a turn's state needs no locks. No thread is
 * held while the mailbox is empty.
 */
public final class SerialExecutor implements Executor {
  private final Executor delegate;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final Runnable drain = this::drain;
  private final Thread.UncaughtExceptionHandler onError;

  /**
   * @param delegate the shared pool that runs the tasks
   * @param onError told about a task that threw; the next tasks still run
   */
  public SerialExecutor(Executor delegate, Thread.UncaughtExceptionHandler onError) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.onError = Objects.requireNonNull(onError, "onError");
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(Objects.requireNonNull(task, "task"));
    if (pending.getAndIncrement() == 0) {
      submitDrain();
    }
  }

  private void submitDrain() {
    try {
      delegate.execute(drain);
    } catch (RuntimeException e) {
      // The pool is shutting down (or a caller's executor failed): finish the queue here rather
      // than strand its tasks with the count raised and no drain coming.
      drain();
    }
  }

  private void drain() {
    // Each task was added to the queue before it was counted, so while the count is positive
    // the queue holds a task.
    int budget = 256;
    do {
      Runnable task = tasks.poll();
      try {
        task.run();
      } catch (Throwable t) {
        onError.uncaughtException(Thread.currentThread(), t);
      }
      if (--budget == 0) {
        // Give other turns a chance on the shared pool after a long batch.
        if (pending.decrementAndGet() != 0) {
          submitDrain();
        }
        return;
      }
    } while (pending.decrementAndGet() != 0);
  }
}
