package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.TtsCall;
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
 */
final class SerialSink implements TtsCall {
  private static final Logger log = LoggerFactory.getLogger(SerialSink.class);

  private final AudioSink sink;
  private final Executor executor;
  private final TtsFlight flight;
  private final Queue<Consumer<AudioSink>> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
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
    enqueue(AudioSink::onCacheHit);
  }

  void audio(byte[] bytes) {
    enqueue(s -> s.onAudio(bytes));
  }

  void complete() {
    enqueue(AudioSink::onComplete);
  }

  void error(OfficeHoursException e) {
    enqueue(s -> s.onError(e));
  }

  @Override
  public void cancel() {
    if (!cancelled) {
      cancelled = true;
      queue.clear();
      flight.unsubscribe(this);
    }
  }

  private void enqueue(Consumer<AudioSink> callback) {
    if (cancelled) {
      return;
    }
    queue.add(callback);
    if (pending.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    do {
      Consumer<AudioSink> next = queue.poll();
      if (next != null && !cancelled) {
        try {
          next.accept(sink);
        } catch (RuntimeException e) {
          log.warn("an audio sink threw; ignored", e);
        }
      }
    } while (pending.decrementAndGet() != 0);
  }
}
