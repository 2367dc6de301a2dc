package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.TtsCall;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber of a {@link TtsFlight}: its callbacks run in order on the executor, one at a
 * time, never on the thread that produced them and never under the flight's lock; none runs after
 * {@link #cancel()}.
 *
 * <p>Live audio queued here and not yet taken by the sink is counted, so that the flight's
 * producer can wait ({@link #awaitRoom}) instead of letting a slow sink's queue grow. Replayed
 * audio (a hit, or a joiner's catch-up) is not counted: it is copied from an array the flight or
 * the store already holds only when its turn comes, so it costs no memory of its own.
 */
final class SerialSink implements TtsCall {
  private static final Logger log = LoggerFactory.getLogger(SerialSink.class);

  /** A queued callback and the live bytes it holds. */
  private record Item(Consumer<AudioSink> callback, int bytes) {}

  private final AudioSink sink;
  private final Executor executor;
  private final TtsFlight flight;
  private final Queue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  /** Guards {@link #queuedBytes}; the producer waits on it. */
  private final Object room = new Object();
  private long queuedBytes;
  private volatile boolean cancelled;
  private boolean hitAnnounced;

  SerialSink(AudioSink sink, Executor executor, TtsFlight flight) {
    this.sink = sink;
    this.executor = executor;
    this.flight = flight;
  }

  /** Announces a hit, once however often called (the flight's lock serialises callers). */
  void cacheHit() {
    if (hitAnnounced) {
      return;
    }
    hitAnnounced = true;
    enqueue(new Item(AudioSink::onCacheHit, 0));
  }

  /** Live audio, handed over: counted until the sink has taken it. */
  void audio(byte[] bytes) {
    synchronized (room) {
      if (cancelled) {
        return;
      }
      queuedBytes += bytes.length;
    }
    enqueue(new Item(s -> s.onAudio(bytes), bytes.length));
  }

  /** Audio the flight keeps and never changes: a copy is made when the sink's turn comes. */
  void replay(byte[] kept) {
    enqueue(new Item(s -> s.onAudio(kept.clone()), 0));
  }

  /** Stored audio, in pieces of {@code pieceBytes}, each copied when the sink's turn comes. */
  void replay(byte[] stored, int pieceBytes) {
    for (int from = 0; from < stored.length; from += pieceBytes) {
      int start = from;
      int end = Math.min(stored.length, from + pieceBytes);
      enqueue(new Item(s -> s.onAudio(Arrays.copyOfRange(stored, start, end)), 0));
    }
  }

  void complete() {
    enqueue(new Item(AudioSink::onComplete, 0));
  }

  void error(OfficeHoursException e) {
    enqueue(new Item(s -> s.onError(e), 0));
  }

  /**
   * Blocks the calling producer while more than {@code limit} bytes of live audio wait for the
   * sink; returns at once when there is room or once this subscriber has cancelled. An
   * interrupted producer stops waiting and keeps its interrupt status.
   */
  void awaitRoom(long limit) {
    synchronized (room) {
      while (queuedBytes > limit && !cancelled) {
        try {
          room.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Live bytes queued and not yet taken by the sink (for tests). */
  long queuedBytes() {
    synchronized (room) {
      return queuedBytes;
    }
  }

  @Override
  public void cancel() {
    synchronized (room) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      queuedBytes = 0;
      room.notifyAll(); // a producer waiting for this sink goes on
    }
    queue.clear();
    flight.unsubscribe(this);
  }

  private void enqueue(Item item) {
    if (cancelled) {
      return;
    }
    queue.add(item);
    if (pending.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    do {
      Item next = queue.poll();
      if (next != null && !cancelled) {
        try {
          next.callback().accept(sink);
        } catch (RuntimeException | Error e) {
          if (e instanceof VirtualMachineError) {
            cancel(); // this sink can take nothing more: never leave the producer waiting for it
            throw e;
          }
          log.warn("an audio sink threw; ignored", e);
        } finally {
          taken(next.bytes());
        }
      }
    } while (pending.decrementAndGet() != 0);
  }

  private void taken(int bytes) {
    if (bytes > 0) {
      synchronized (room) {
        if (!cancelled) {
          queuedBytes -= bytes;
          room.notifyAll();
        }
      }
    }
  }
}
