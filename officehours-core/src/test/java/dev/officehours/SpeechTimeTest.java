package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.LimitExceededException;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.text.ChunkerSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Speech against time, on a clock the tests move by hand: a hung chunk costs its own budget, not
 * the turn; speech runs no further ahead of playback than the lookahead.
 */
class SpeechTimeTest {
  static final String TWO_CHUNKS = "Our office hours are from nine to five. We close at noon on Fridays.";

  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final ManualClock clock = new ManualClock();
  ConversationPipeline pipeline;

  @AfterEach
  void close() {
    pipeline.close();
  }

  static TurnResult done(Turn turn) {
    try {
      return turn.completion().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the turn did not end within 10 s", e);
    }
  }

  ConversationPipeline.Builder builder() {
    // The first chunk ends at the first sentence, so TWO_CHUNKS is two chunks.
    return ConversationPipeline.builder().llm(llm).tts(tts).clock(clock)
        .chunker(new ChunkerSettings(8, 50, 20, 250, Duration.ofMillis(400)));
  }

  /** 24 kHz 16-bit mono PCM of the given length. */
  static byte[] pcm(Duration d) {
    return new byte[(int) (48_000 * d.toMillis() / 1000)];
  }

  @Test
  void aChunkWithNoAudioWithinItsFirstByteBudgetIsSkippedAndTheTurnCompletes() {
    pipeline = builder().build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis hung = tts.next();
    FakeTts.Synthesis second = tts.next();
    second.audio("two").complete();
    clock.advance(Duration.ofMillis(4_999));
    assertFalse(turn.completion().isDone());
    assertTrue(events.audio().isEmpty(), "later audio waits for the chunk before it");
    clock.advance(Duration.ofMillis(1));
    TurnResult result = done(turn);
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(List.of("two"), events.audioLabels());
    assertTrue(hung.cancelled, "the hung synthesis is closed");
    assertEquals(1, result.speechFailures().size());
    assertEquals(0, result.speechFailures().get(0).chunkIndex());
    LimitExceededException error =
        assertInstanceOf(LimitExceededException.class, result.speechFailures().get(0).error());
    assertEquals("speechTimeouts", error.setting());
  }

  /** One turn whose two syntheses each bring their first audio 1.9 s after they start. */
  private void warmUpWithSynthesesOf1900Ms() {
    Turn warm = pipeline.start(TurnRequest.of("warm-up", "Hours?"), new RecordingListener());
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis a = tts.next();
    FakeTts.Synthesis b = tts.next();
    clock.awaitPending(3); // the turn's deadline and both chunks' first-audio limits
    clock.advance(Duration.ofMillis(1_900));
    a.audio("a").complete();
    b.audio("b").complete();
    assertTrue(done(warm).speechFailures().isEmpty());
  }

  @Test
  void whenRecentSynthesesWereSlowAChunkGetsAsLongForItsFirstAudio() {
    pipeline = builder().speechTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20)).build();
    // A first turn whose syntheses bring their first audio after 1.9 s: within the 2 s, but they
    // raise the limit (smoothed 1.9 s plus four deviations: 4.75 s).
    warmUpWithSynthesesOf1900Ms();

    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis late = tts.next();
    FakeTts.Synthesis hung = tts.next();
    clock.awaitPending(3);
    clock.advance(Duration.ofSeconds(2)); // the configured limit: both are given longer
    clock.awaitPending(3);
    clock.advance(Duration.ofSeconds(2));
    late.audio("late").complete(); // 4 s: cut at 2 s before, now kept
    for (int i = 0; i < 200 && !turn.completion().isDone(); i++) {
      clock.advance(Duration.ofMillis(100));
      clock.awaitPendingOr(2, () -> turn.completion().isDone());
    }
    TurnResult result = done(turn);
    assertEquals(List.of("late"), events.audioLabels());
    assertEquals(1, result.speechFailures().size(), "the hung one still fails");
    assertEquals(1, result.speechFailures().get(0).chunkIndex());
    assertTrue(hung.cancelled);
    String message = result.speechFailures().get(0).error().getMessage();
    assertTrue(message.contains("raised for recent syntheses"), message);
  }

  @Test
  void aRaisedLimitEndsBeforeTheTurnsDeadlineSoAHungChunkCannotTakeTheTurnWithIt() {
    pipeline = builder().speechTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20))
        .turnDeadline(Duration.ofSeconds(5)).build();
    warmUpWithSynthesesOf1900Ms(); // the limit: 4.75 s, then about 5.7 s

    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis hung = tts.next();
    tts.next().audio("two").complete();
    for (int i = 0; i < 100 && !turn.completion().isDone(); i++) {
      clock.advance(Duration.ofMillis(100));
      clock.awaitPendingOr(2, () -> turn.completion().isDone());
    }
    // Cut a second before the 5 s deadline (at 4 s), not at the raised 5.7 s past it.
    TurnResult result = done(turn);
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(List.of("two"), events.audioLabels());
    assertTrue(hung.cancelled);
    assertEquals(1, result.speechFailures().size());
  }

  @Test
  void aChunkStillStreamingAtItsTotalBudgetIsCutAndTheTurnCompletes() {
    pipeline = builder().speechTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(6)).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis slow = tts.next();
    FakeTts.Synthesis second = tts.next();
    slow.audio("one");
    second.audio("two").complete();
    events.awaitAudioFrames(1);
    clock.advance(Duration.ofMillis(2_000));
    // the first-byte check ran at 2 s, found audio, and re-armed for the rest of the total budget;
    // the re-arm happens on the turn's own thread, so wait for it before moving time on
    clock.awaitDue(Duration.ofMillis(4_000));
    clock.advance(Duration.ofMillis(3_999));
    assertFalse(turn.completion().isDone());
    clock.advance(Duration.ofMillis(1));
    TurnResult result = done(turn);
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(List.of("one", "two"), events.audioLabels());
    assertTrue(slow.cancelled);
    assertEquals(0, result.speechFailures().get(0).chunkIndex());
  }

  @Test
  void speechStartsNoFurtherAheadOfPlaybackThanTheLookahead() {
    pipeline = builder().speechLookahead(Duration.ofSeconds(2)).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    // two chunks of about 2.4 and 1.8 s (at 16 characters a second)
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis first = tts.next();
    first.audio("a"); // playback starts; the first chunk's audio is still coming
    first.sink.onAudio(pcm(Duration.ofSeconds(3)));
    events.awaitAudioFrames(2);
    clock.awaitPending(2); // the turn deadline and the lookahead check
    assertTrue(tts.noPendingCall(), "the second chunk would run more than 2 s ahead of playback");
    clock.advance(Duration.ofMillis(2_000));
    FakeTts.Synthesis second = tts.next();
    assertEquals("We close at noon on Fridays.", second.request.text());
    first.complete();
    second.audio("b").complete();
    assertEquals(TurnOutcome.COMPLETED, done(turn).outcome());
  }

  @Test
  void theChunkAboutToBeHeardAlwaysStarts() {
    pipeline = builder().speechLookahead(Duration.ofMillis(1)).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new RecordingListener());
    llm.nextStream().words(TWO_CHUNKS).complete();
    tts.next().audio("a").complete();
    tts.next().audio("b").complete(); // started once the first was done, however small the lookahead
    assertEquals(TurnOutcome.COMPLETED, done(turn).outcome());
  }

  @Test
  void fastSpeechIsPacedToPlaybackAndTheWaitDoesNotCountAgainstTheDeadline() {
    // One synthesis at a time, so what starts is decided by the audio already there, not by the
    // text estimate of chunks still in flight; a short first-byte budget tells its timer apart.
    pipeline = builder().speechLookahead(Duration.ofSeconds(15)).turnDeadline(Duration.ofSeconds(30))
        .speechTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(60)).ttsConcurrency(1)
        .turnBufferBytes(64L << 20).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Tell me everything"), events);
    StringBuilder answer = new StringBuilder();
    for (int i = 1; i <= 8; i++) {
      answer.append("This is sentence number ").append(i).append(" of a long answer. ");
    }
    llm.nextStream().words(answer.toString().strip()).complete();
    // Each synthesis answers at once with 10 s of audio: far faster than real time.
    for (int i = 0; i < 2; i++) {
      FakeTts.Synthesis s = tts.next();
      s.sink.onAudio(pcm(Duration.ofSeconds(10)));
      s.complete();
    }
    // 20 s are ready and nothing has played: the third waits until 5 s have played.
    clock.awaitDue(Duration.ofSeconds(5));
    assertTrue(tts.noPendingCall(), "a third chunk would run over 15 s ahead of playback");
    int spoken = 2;
    long steps = 0;
    while (!turn.completion().isDone() && steps++ < 2_000) {
      FakeTts.Synthesis s = tts.calls.poll();
      if (s != null) {
        s.sink.onAudio(pcm(Duration.ofSeconds(10)));
        s.complete();
        spoken++;
      } else {
        clock.advance(Duration.ofMillis(100));
        // the deadline and one more: a lookahead check, or a synthesis' budget
        clock.awaitPendingOr(2, () -> turn.completion().isDone() || !tts.calls.isEmpty());
      }
    }
    TurnResult result = done(turn);
    assertEquals(TurnOutcome.COMPLETED, result.outcome(), "paced speech is not a timeout");
    assertEquals(result.metrics().chunks(), spoken);
    assertTrue(spoken >= 8, "chunks: " + spoken);
    assertTrue(result.speechFailures().isEmpty(), result.speechFailures().toString());
  }

  /**
   * Waits until the provider's thread {@code reader} is held by the listener: waiting for buffer
   * room, or running the listener's stalled callback itself (a provider's thread runs the
   * callbacks of what it brought when no other thread is running them).
   */
  static void awaitBlocked(Thread reader) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!heldByTheListener(reader)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(reader.getName() + " is " + reader.getState() + ", not held by the listener");
      }
      Thread.onSpinWait();
    }
  }

  /** Parked in the turn's buffer budget, or in this test's stalled listener: not just any park. */
  private static boolean heldByTheListener(Thread reader) {
    Thread.State state = reader.getState();
    if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
      return false;
    }
    for (StackTraceElement frame : reader.getStackTrace()) {
      if (frame.getClassName().equals("dev.officehours.internal.BufferBudget")
          || frame.getClassName().startsWith(SpeechTimeTest.class.getName() + "$")) {
        return true;
      }
    }
    return false;
  }

  /** A client that stops reading at its first audio frame until {@code release}. */
  private static TurnListener stallsAtTheFirstFrameUntil(java.util.concurrent.CountDownLatch release) {
    java.util.concurrent.atomic.AtomicInteger frames = new java.util.concurrent.atomic.AtomicInteger();
    return new TurnListener() {
      @Override
      public void onAudio(AudioFrame frame) {
        if (frames.incrementAndGet() == 1) {
          try {
            release.await(10, java.util.concurrent.TimeUnit.SECONDS); // a stalled client
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
  }

  @Test
  void aProviderWaitingForASlowListenerIsNotTimedOut() throws Exception {
    pipeline = builder().turnBufferBytes(64 * 1024).build();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), stallsAtTheFirstFrameUntil(release));
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis first = tts.next();
    java.util.concurrent.CompletableFuture<Void> provider = new java.util.concurrent.CompletableFuture<>();
    Thread reader = new Thread(() -> {
      for (int i = 0; i < 40; i++) {
        first.sink.onAudio(new byte[4800]); // 190 KB: more than the turn may hold
      }
      first.complete();
      provider.complete(null);
    }, "tts-reader");
    reader.start();
    tts.next().audio("b").complete();
    awaitBlocked(reader);
    // The provider is now waiting for the listener; its time budgets run out meanwhile.
    clock.advance(Duration.ofSeconds(20));
    assertFalse(provider.isDone());
    release.countDown();
    provider.get(10, java.util.concurrent.TimeUnit.SECONDS);
    TurnResult result = done(turn);
    assertTrue(result.speechFailures().isEmpty(), "nothing failed: " + result.speechFailures());
  }

  @Test
  void aProviderThatGoesOnAfterWaitingForTheListenerKeepsItsWholeBudget() throws Exception {
    pipeline = builder().turnBufferBytes(64 * 1024).build();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), stallsAtTheFirstFrameUntil(release));
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis first = tts.next();
    Thread reader = new Thread(() -> {
      for (int i = 0; i < 40; i++) {
        first.sink.onAudio(new byte[4800]); // 190 KB: more than the turn may hold
      }
      sent.countDown();
      try {
        finish.await(10, java.util.concurrent.TimeUnit.SECONDS); // the provider's stream goes on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      first.complete();
    }, "tts-reader");
    reader.start();
    tts.next().audio("b").complete();
    awaitBlocked(reader);
    clock.advance(Duration.ofSeconds(20)); // waiting for the listener, not the provider's time
    release.countDown();
    assertTrue(sent.await(10, java.util.concurrent.TimeUnit.SECONDS));
    // 26 s since the chunk started, 6 s of them the provider's own: within its 15 s budget
    clock.advance(Duration.ofSeconds(6));
    finish.countDown();
    TurnResult result = done(turn);
    assertTrue(result.speechFailures().isEmpty(), "nothing failed: " + result.speechFailures());
  }

  @Test
  void aListenerThatStopsConsumingDoesNotStretchTheDeadlineForever() throws Exception {
    pipeline = builder().speechLookahead(Duration.ofSeconds(1)).turnDeadline(Duration.ofSeconds(10))
        .turnBufferBytes(64 * 1024).build();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() {
      @Override
      public void onAudio(AudioFrame frame) {
        try {
          release.await(30, java.util.concurrent.TimeUnit.SECONDS); // the client went away
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    llm.nextStream().words(TWO_CHUNKS).complete();
    FakeTts.Synthesis first = tts.next();
    Thread reader = new Thread(() -> {
      for (int i = 0; i < 40; i++) {
        first.sink.onAudio(new byte[4800]); // 190 KB: more than the turn may hold
      }
      first.complete();
    }, "stalled-reader");
    reader.start();
    awaitBlocked(reader);
    // The second chunk waits for playback, which cannot get past what was handed out; the
    // provider waits for the listener. Neither is waiting for playback: the deadline holds.
    long start = clock.nanoTime();
    for (int i = 0; i < 600 && pipeline.activeTurns() > 0; i++) {
      clock.advance(Duration.ofMillis(100));
      // before moving on, let the turn re-arm its deadline (or end)
      clock.awaitPendingOr(1, () -> pipeline.activeTurns() == 0);
    }
    assertEquals(0, pipeline.activeTurns(), "the turn ended while its listener was still stuck");
    long ended = clock.nanoTime() - start;
    // credited at most the audio it had handed out, not the whole time the listener was stuck
    assertTrue(ended < Duration.ofSeconds(30).toNanos(), "ended after " + ended / 1_000_000 + " ms");
    release.countDown(); // let the terminal callback through
    java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class,
        () -> turn.completion().get(10, java.util.concurrent.TimeUnit.SECONDS));
    assertInstanceOf(dev.officehours.errors.TurnTimeoutException.class, e.getCause(),
        "waiting for a listener that stopped is not waiting for playback");
  }
}
