package dev.officehours.examples.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one benchmark turn measured: the time from its start to its first audio byte (TTFA) and to
 * its last one, the audio it delivered, and how it ended. Thread-safe; the first end wins.
 */
final class TurnProbe {
  private final long startNanos = System.nanoTime();
  private volatile long firstAudioNanos;
  private volatile long audioBytes;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final CompletableFuture<TurnProbe> done = new CompletableFuture<>();
  private volatile long endNanos;
  private volatile String error;

  /** Counts audio handed to the caller; the first call marks the time to first audio. */
  void audio(int bytes) {
    if (firstAudioNanos == 0 && bytes > 0) {
      firstAudioNanos = System.nanoTime();
    }
    audioBytes += bytes; // one writer per turn: audio arrives in order, serially
  }

  void complete() {
    end(null);
  }

  void fail(Throwable e) {
    String message = e == null ? "failed" : e.getClass().getSimpleName() + ": " + e.getMessage();
    end(message);
  }

  private void end(String failure) {
    if (ended.compareAndSet(false, true)) {
      endNanos = System.nanoTime();
      error = failure;
      done.complete(this);
    }
  }

  /** When the turn was started, in {@link System#nanoTime()}. */
  long startNanos() {
    return startNanos;
  }

  CompletableFuture<TurnProbe> done() {
    return done;
  }

  boolean ok() {
    return error == null && firstAudioNanos != 0;
  }

  String error() {
    return error != null ? error : firstAudioNanos == 0 ? "no audio" : null;
  }

  double ttfaMillis() {
    return (firstAudioNanos - startNanos) / 1e6;
  }

  double totalMillis() {
    return (endNanos - startNanos) / 1e6;
  }

  long audioBytes() {
    return audioBytes;
  }
}
