package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Records what a sink was told; {@link #done} completes on the terminal callback. */
final class RecordingSink implements AudioSink {
  final CompletableFuture<Boolean> done = new CompletableFuture<>();
  final List<Integer> pieceSizes = new CopyOnWriteArrayList<>();
  final List<String> threads = new CopyOnWriteArrayList<>();
  final CountDownLatch firstAudio = new CountDownLatch(1);
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  volatile boolean cacheHit;
  volatile int cacheHitCalls;
  volatile boolean audioBeforeHit;
  volatile OfficeHoursException error;

  @Override
  public void onCacheHit() {
    cacheHitCalls++;
    if (pieceSizes.size() > 0) {
      audioBeforeHit = true;
    }
    cacheHit = true;
  }

  @Override
  public synchronized void onAudio(byte[] audio) {
    threads.add(Thread.currentThread().getName());
    pieceSizes.add(audio.length);
    bytes.write(audio, 0, audio.length);
    firstAudio.countDown();
  }

  @Override
  public void onComplete() {
    done.complete(true);
  }

  @Override
  public void onError(OfficeHoursException e) {
    error = e;
    done.complete(false);
  }

  synchronized byte[] bytes() {
    return bytes.toByteArray();
  }

  boolean awaitDone() throws Exception {
    return done.get(10, TimeUnit.SECONDS);
  }

  void awaitFirstAudio() throws InterruptedException {
    if (!firstAudio.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no audio within 10 s");
    }
  }
}
