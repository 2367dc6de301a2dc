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
  /** The thread running this mailbox's tasks right now, or null; read only by that thread. */
  private volatile Thread runner;
  /** The thread that queued into the idle mailbox with {@link #executeLater} and owes its drain. */
  private volatile Thread owesDrain;

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

  /**
   * Runs {@code task} on the calling thread when the mailbox is idle, else queues it as {@link
   * #execute} does. For callers that are already on a thread of their own and would otherwise
   * wake a pool thread only to hand it one short task: a provider's reader thread delivering a
   * token or an audio piece. Saves a thread hand-off (a wake-up and a context switch) per event;
   * the order and the one-at-a-time guarantee are the same, because the task runs only while it
   * holds the mailbox. Only this one task runs here: tasks queued meanwhile go to the pool.
   *
   * @param task a short task that does not block
   */
  public void executeHere(Runnable task) {
    Objects.requireNonNull(task, "task");
    if (!pending.compareAndSet(0, 1)) {
      execute(task);
      return;
    }
    try {
      runOne(task);
    } finally {
      // Tasks queued while this one ran were counted, not drained: hand them to the pool.
      if (pending.decrementAndGet() != 0) {
        submitDrain();
      }
    }
  }

  /**
   * Queues {@code task} as {@link #execute} does, except that when the mailbox was idle no pool
   * thread is woken: the calling thread takes the mailbox and must run it with {@link
   * #drainOwedHere} soon after, in a {@code finally} block. For a thread that emits a few tasks
   * and then has nothing else to do but run them: a provider's reader thread handing the turn's
   * listener the text or audio it just read, which then runs the listener itself instead of
   * waking a pool thread for it. Until that drain, tasks queued by any thread wait for it.
   *
   * @param task the task
   */
  public void executeLater(Runnable task) {
    tasks.add(Objects.requireNonNull(task, "task"));
    if (pending.getAndIncrement() == 0) {
      owesDrain = Thread.currentThread();
    }
  }

  /**
   * Whether the calling thread took the idle mailbox with {@link #executeLater} and has not run
   * it yet.
   *
   * @return true when {@link #drainOwedHere} would run tasks here
   */
  public boolean owesDrainHere() {
    return owesDrain == Thread.currentThread();
  }

  /**
   * Runs up to {@code max} tasks of the queue on the calling thread when an {@link #executeLater}
   * of this thread took the idle mailbox, then hands what is left to the pool; otherwise does
   * nothing (another thread is running it, or nothing was queued). So the caller runs about what
   * it queued itself, not what other threads queue meanwhile.
   *
   * @param max the most tasks to run here, at least 1
   */
  public void drainOwedHere(int max) {
    if (owesDrain == Thread.currentThread()) {
      owesDrain = null;
      drain(Math.max(1, max));
    }
  }

  /**
   * Whether the calling thread is running one of this mailbox's tasks: such a thread must never
   * wait for something only a later task of the same mailbox can give (the turn's buffer budget).
   *
   * @return true inside a task of this mailbox
   */
  public boolean runsOnCurrentThread() {
    return runner == Thread.currentThread();
  }

  /** Runs one task as the mailbox's runner; a task that throws is reported, not rethrown. */
  private void runOne(Runnable task) {
    Thread outer = runner;
    runner = Thread.currentThread();
    try {
      task.run();
    } catch (Throwable t) {
      onError.uncaughtException(Thread.currentThread(), t);
    } finally {
      runner = outer;
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
    drain(256);
  }

  private void drain(int budget) {
    // Each task was added to the queue before it was counted, so while the count is positive
    // the queue holds a task.
    do {
      runOne(tasks.poll());
      if (--budget == 0) {
        // Give other turns a chance on the shared pool after a long batch (or the caller's share).
        if (pending.decrementAndGet() != 0) {
          submitDrain();
        }
        return;
      }
    } while (pending.decrementAndGet() != 0);
  }
}
