package dev.officehours.internal;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds what one turn holds between its providers and its listener: bytes of text and audio
 * accepted from a provider and not yet consumed by the listener. A provider thread that would
 * take more than the capacity waits in {@link #acquire}: it stops reading its socket, and TCP
 * pushes back on the server.
 *
 * <p>Who waits is chosen so that waiting can never deadlock the turn:
 * <ul>
 *   <li>a piece for the <em>head</em> of the ordered delivery (the LLM's text, or audio of the
 *       chunk being delivered now) waits only while something else on its way to the listener is
 *       held — in the turn's queue, the listener's queue or the listener itself — as that moves
 *       on without it: the turn's and the listener's progress frees it;
 *   <li>a piece for a chunk <em>ahead</em> of the head (kept for later) waits whenever the budget
 *       is spent: the head's progress frees it.
 * </ul>
 * A caller that must not block (the turn's own threads) is always admitted; so is a piece when
 * nothing is held, so one oversized piece cannot wait forever. {@link #close()} admits nobody and
 * wakes every waiter, which then drops its piece.
 *
 * <p>Waiting uses {@link ForkJoinPool#managedBlock}, so a waiter on a fork-join pool's thread (a
 * cache replaying audio) makes the pool add a thread rather than starve it.
 */
public final class BufferBudget {
  /** The sequence number that stands for the LLM's text: always the head. */
  public static final int TEXT = -1;

  private final long capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long held;
  /** Of {@link #held}: bytes kept for chunks after the head, which wait for the head to move. */
  private long ahead;
  private int head;
  private boolean closed;

  /** @param capacity bytes a turn may hold before providers wait; at least 1 */
  public BufferBudget(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive but was " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Takes {@code bytes} for a piece of chunk {@code seq} (or {@link #TEXT}), waiting while the
   * budget is spent.
   *
   * @param seq the chunk the piece belongs to, or {@link #TEXT}
   * @param bytes the piece's size
   * @param mayWait false on a thread that must never block; it is admitted at once
   * @return true when admitted; false when the budget was closed (the turn ended): drop the piece
   */
  public boolean acquire(int seq, long bytes, boolean mayWait) {
    return acquire(seq, bytes, mayWait, () -> false);
  }

  /**
   * As {@link #acquire(int, long, boolean)}, for a piece whose source may be given up meanwhile
   * (its chunk failed): a waiter stops waiting, without the piece, once {@code abandoned} says so
   * and {@link #wake()} was called.
   *
   * @param seq the chunk the piece belongs to, or {@link #TEXT}
   * @param bytes the piece's size
   * @param mayWait false on a thread that must never block
   * @param abandoned whether the piece's source was given up
   * @return true when admitted; false when closed or abandoned: drop the piece
   */
  public boolean acquire(int seq, long bytes, boolean mayWait, java.util.function.BooleanSupplier abandoned) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (!mayWait || !mustWait(seq, bytes)) {
        held += bytes;
        return true;
      }
    } finally {
      lock.unlock();
    }
    try {
      ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
        @Override
        public boolean block() throws InterruptedException {
          lock.lock();
          try {
            while (!closed && !abandoned.getAsBoolean() && mustWait(seq, bytes)) {
              changed.await();
            }
            return true;
          } finally {
            lock.unlock();
          }
        }

        @Override
        public boolean isReleasable() {
          lock.lock();
          try {
            return closed || abandoned.getAsBoolean() || !mustWait(seq, bytes);
          } finally {
            lock.unlock();
          }
        }
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    lock.lock();
    try {
      if (closed || abandoned.getAsBoolean()) {
        return false;
      }
      held += bytes;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Makes every waiter look again (a piece's source was given up). */
  public void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private boolean mustWait(int seq, long bytes) {
    if (held == 0 || held + bytes <= capacity) {
      return false;
    }
    boolean atHead = seq == TEXT || seq <= head;
    return !atHead || held - ahead > 0;
  }

  /** {@code bytes} of an admitted piece are kept for a chunk after the head. */
  public void keptAhead(long bytes) {
    lock.lock();
    try {
      ahead += bytes;
      changed.signalAll(); // a head piece waiting on these bytes may go now
    } finally {
      lock.unlock();
    }
  }

  /** {@code bytes} kept for a later chunk are on their way to the listener now. */
  public void releasedAhead(long bytes) {
    lock.lock();
    try {
      ahead = Math.max(0, ahead - bytes);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The listener returned from the callback that carried {@code bytes}: they are free again. */
  public void consumed(long bytes) {
    dropped(bytes);
  }

  /** {@code bytes} of an admitted piece were dropped without reaching the listener. */
  public void dropped(long bytes) {
    lock.lock();
    try {
      held = Math.max(0, held - bytes);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** {@code bytes} kept for a later chunk were dropped (the chunk failed, the turn ended). */
  public void droppedAhead(long bytes) {
    lock.lock();
    try {
      ahead = Math.max(0, ahead - bytes);
      held = Math.max(0, held - bytes);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The chunk now being delivered; pieces of it and before it count as the head. */
  public void head(int seq) {
    lock.lock();
    try {
      head = seq;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Admits nobody from now on and wakes every waiter. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Bytes held now (for tests and metrics). */
  public long held() {
    lock.lock();
    try {
      return held;
    } finally {
      lock.unlock();
    }
  }
}
