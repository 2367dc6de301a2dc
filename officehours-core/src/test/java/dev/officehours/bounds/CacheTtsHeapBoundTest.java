package dev.officehours.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The TTS cache against a provider that sends 400 MB of audio for one sentence, in a JVM with a
 * 96 MB heap: whatever the cache kept or queued of it would end the JVM with OutOfMemoryError.
 */
@Tag("heap-bound")
class CacheTtsHeapBoundTest {
  private static final int PIECE = 64 * 1024;
  private static final long TOTAL = 400L * 1024 * 1024;
  private static final String SENTENCE = "Our office hours are nine to five.";

  private final CaffeineCacheStore store = CaffeineCacheStore.create();
  private final HostileTts tts = new HostileTts();
  private final TtsProvider cached = TtsCache.builder(store).build().wrap(tts, PipelineObserver.NONE);

  @Test
  void aSlowListenerOf400MbOfAudioHoldsTheProviderBackAndNothingIsStored() throws Exception {
    CountingSink sink = new CountingSink(tts);
    sink.holdFirstPiece = new CountDownLatch(1);
    cached.synthesize(tts.request(SENTENCE), sink);
    Thread reader = tts.reader.get(10, TimeUnit.SECONDS);

    awaitWaiting(reader);
    long aheadWhileStalled = tts.sent.get();
    assertTrue(aheadWhileStalled <= TtsCache.DEFAULT_MAX_QUEUED_BYTES + 2L * PIECE,
        "the provider got " + aheadWhileStalled + " bytes ahead of a stalled listener");

    sink.holdFirstPiece.countDown();
    assertTrue(sink.done.get(120, TimeUnit.SECONDS), "completed");
    assertEquals(TOTAL, sink.consumed.get(), "the listener got every byte it was sent");
    assertTrue(sink.maxAhead.get() <= TtsCache.DEFAULT_MAX_QUEUED_BYTES + 2L * PIECE,
        "the provider ran " + sink.maxAhead.get() + " bytes ahead of the listener");
    assertEquals(0, store.entryCount(), "400 MB is past maxEntryBytes: nothing stored");
    System.out.printf("400 MB through the TTS cache to a slow listener: provider at most %d KB ahead,"
        + " heap in use (garbage included, sampled every 4 MB) at most %d MB of %d MB%n", sink.maxAhead.get() / 1024,
        sink.maxHeapUsed.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
  }

  @Test
  void aListenerThatCancelsAfter8MbStopsTheProviderAndNothingIsStored() throws Exception {
    CountingSink sink = new CountingSink(tts);
    sink.cancelAfter = 8L * 1024 * 1024;
    TtsCall call = cached.synthesize(tts.request(SENTENCE), sink);
    Thread reader = tts.reader.get(10, TimeUnit.SECONDS);
    assertTrue(sink.reachedCancelPoint.await(60, TimeUnit.SECONDS));

    call.cancel();
    reader.join(10_000);
    assertFalse(reader.isAlive(), "the provider's thread was let go");
    assertTrue(tts.cancelled, "the synthesis was cancelled");
    assertTrue(tts.sent.get() < TOTAL, "the provider stopped at " + tts.sent.get() + " bytes");
    long consumed = sink.consumed.get();
    assertTrue(consumed >= sink.cancelAfter && consumed <= tts.sent.get(),
        "consumed " + consumed + " of " + tts.sent.get());
    assertFalse(sink.done.isDone(), "no callback after cancel");
    assertEquals(0, store.entryCount());
  }

  private static void awaitWaiting(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the provider's thread never waited: " + t.getState());
      }
      LockSupport.parkNanos(5_000_000L); // poll interval
    }
  }

  /** A provider whose reading thread sends 400 MB of PCM for any sentence, until cancelled. */
  private static final class HostileTts implements TtsProvider {
    final CompletableFuture<Thread> reader = new CompletableFuture<>();
    final AtomicLong sent = new AtomicLong();
    volatile boolean cancelled;

    @Override
    public String id() {
      return "hostile-tts";
    }

    @Override
    public SpeechRequest request(String text) {
      return new SpeechRequest(text, "tts-model", "alloy", 1.0, "", AudioFormat.PCM_24K);
    }

    @Override
    public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
      Thread t = new Thread(() -> {
        while (sent.get() < TOTAL && !cancelled) {
          sent.addAndGet(PIECE);
          sink.onAudio(new byte[PIECE]); // a fresh array each time: it is handed over
        }
        if (!cancelled) {
          sink.onComplete();
        }
      }, "hostile-tts-reader");
      t.setDaemon(true);
      t.start();
      reader.complete(t);
      return () -> cancelled = true;
    }
  }

  /** Counts what it is given; optionally holds its first piece, or asks to cancel past a size. */
  private static final class CountingSink implements AudioSink {
    final AtomicLong consumed = new AtomicLong();
    final AtomicLong maxAhead = new AtomicLong();
    final AtomicLong maxHeapUsed = new AtomicLong();
    final CompletableFuture<Boolean> done = new CompletableFuture<>();
    final CountDownLatch reachedCancelPoint = new CountDownLatch(1);
    private final HostileTts tts;
    volatile CountDownLatch holdFirstPiece;
    volatile long cancelAfter = Long.MAX_VALUE;

    CountingSink(HostileTts tts) {
      this.tts = tts;
    }

    @Override
    public void onAudio(byte[] audio) {
      CountDownLatch hold = holdFirstPiece;
      try {
        if (hold != null && !hold.await(30, TimeUnit.SECONDS)) {
          throw new AssertionError("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      maxAhead.accumulateAndGet(tts.sent.get() - consumed.get(), Math::max);
      long total = consumed.addAndGet(audio.length);
      if (total % (4 << 20) == 0) {
        Runtime rt = Runtime.getRuntime();
        maxHeapUsed.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
      }
      if (total >= cancelAfter) {
        reachedCancelPoint.countDown();
      }
    }

    @Override
    public void onComplete() {
      done.complete(true);
    }

    @Override
    public void onError(OfficeHoursException error) {
      done.complete(false);
    }
  }
}
