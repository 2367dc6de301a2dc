package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink that blocks in {@code onAudio} until the test opens its gate, as a sink pushing back on
 * a slow consumer does; counts what it took.
 */
final class GatedSink implements AudioSink {
  final CountDownLatch gate = new CountDownLatch(1);
  final CountDownLatch entered = new CountDownLatch(1);
  final AtomicLong bytes = new AtomicLong();
  final CompletableFuture<Boolean> done = new CompletableFuture<>();

  @Override
  public void onAudio(byte[] audio) {
    entered.countDown();
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the gate was never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    bytes.addAndGet(audio.length);
  }

  @Override
  public void onComplete() {
    done.complete(true);
  }

  @Override
  public void onError(OfficeHoursException error) {
    done.complete(false);
  }

  void awaitEntered() throws InterruptedException {
    if (!entered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("onAudio was not called within 10 s");
    }
  }
}
