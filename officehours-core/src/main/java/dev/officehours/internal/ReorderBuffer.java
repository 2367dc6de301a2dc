package dev.officehours.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Puts pieces that arrive for numbered streams in any order back into stream order: every piece
 * of stream 0, then of stream 1, ...; within a stream in arrival order. A piece of the stream at
 * the head goes out at once; pieces of later streams wait until every stream before them has
 * ended. Not thread-safe: one turn's mailbox owns it.
 *
 * @param <T> the piece type
 */
public final class ReorderBuffer<T> {
  /** Receives pieces in order. */
  public interface Output<T> {
    /**
     * The next piece in order.
     *
     * @param seq its stream
     * @param piece the piece
     */
    void piece(int seq, T piece);

    /**
     * Every piece of stream {@code seq} went out and it ended; the head moves on.
     *
     * @param seq the stream that is done
     */
    default void done(int seq) {}
  }

  private final Output<T> out;
  private final List<ArrayDeque<T>> waiting = new ArrayList<>();
  private final List<Boolean> ended = new ArrayList<>();
  private int head;

  /** @param out where pieces go, in order */
  public ReorderBuffer(Output<T> out) {
    this.out = out;
  }

  /**
   * Opens the next stream.
   *
   * @return its number, counting from 0
   */
  public int open() {
    waiting.add(null);
    ended.add(Boolean.FALSE);
    return waiting.size() - 1;
  }

  /** The stream whose pieces go out now; the number of streams opened when all are done. */
  public int head() {
    return head;
  }

  /** Whether every opened stream ended and went out. */
  public boolean drained() {
    return head == waiting.size();
  }

  /**
   * A piece of stream {@code seq}: out at once when {@code seq} is the head, else kept.
   *
   * @param seq an opened stream that has not ended
   * @param piece the piece
   */
  public void add(int seq, T piece) {
    if (seq == head) {
      out.piece(seq, piece);
      return;
    }
    ArrayDeque<T> q = waiting.get(seq);
    if (q == null) {
      q = new ArrayDeque<>(4);
      waiting.set(seq, q);
    }
    q.add(piece);
  }

  /**
   * Stream {@code seq} has no more pieces; when it is the head, the pieces of the streams after it
   * go out, up to the next one still open.
   *
   * @param seq an opened stream
   */
  public void end(int seq) {
    ended.set(seq, Boolean.TRUE);
    advance();
  }

  /**
   * Drops what stream {@code seq} kept and ends it (its source failed).
   *
   * @param seq an opened stream
   * @param dropped receives each dropped piece
   */
  public void discard(int seq, Consumer<T> dropped) {
    ArrayDeque<T> q = waiting.set(seq, null);
    if (q != null) {
      q.forEach(dropped);
    }
    end(seq);
  }

  /**
   * Drops everything kept (the turn ended).
   *
   * @param dropped receives each dropped piece
   */
  public void clear(Consumer<T> dropped) {
    for (int i = 0; i < waiting.size(); i++) {
      ArrayDeque<T> q = waiting.set(i, null);
      if (q != null) {
        q.forEach(dropped);
      }
    }
  }

  private void advance() {
    while (head < waiting.size()) {
      ArrayDeque<T> q = waiting.set(head, null);
      if (q != null) {
        T piece;
        while ((piece = q.poll()) != null) {
          out.piece(head, piece);
        }
      }
      if (!ended.get(head)) {
        return;
      }
      int done = head++;
      out.done(done);
    }
  }
}
