package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TtsCacheTest {
  private final ScriptedTts tts = new ScriptedTts();
  private final CountingObserver observer = new CountingObserver();
  private final CaffeineCacheStore store = CaffeineCacheStore.create();
  private final TtsCache cache = TtsCache.builder(store).build();
  private final TtsProvider cached = cache.wrap(tts, observer);
  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static byte[] audio(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void fiftyConcurrentRequestsForTheSameMissingAudioCauseExactlyOneSynthesis() throws Exception {
    SpeechRequest request = tts.request("Our office hours are nine to five.");
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RecordingSink>> started = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      started.add(pool.submit(() -> {
        go.await();
        RecordingSink sink = new RecordingSink();
        cached.synthesize(request, sink);
        return sink;
      }));
    }
    go.countDown();
    List<RecordingSink> sinks = new ArrayList<>();
    for (Future<RecordingSink> f : started) {
      sinks.add(f.get(10, TimeUnit.SECONDS));
    }
    ScriptedTts.Synthesis only = tts.next();
    byte[] first = audio(4800, 1);
    byte[] second = audio(9600, 2);
    only.audio(first).audio(second).complete();

    byte[] expected = new byte[first.length + second.length];
    System.arraycopy(first, 0, expected, 0, first.length);
    System.arraycopy(second, 0, expected, first.length, second.length);
    for (RecordingSink sink : sinks) {
      assertTrue(sink.awaitDone());
      assertArrayEquals(expected, sink.bytes());
    }
    assertEquals(1, tts.started.get(), "delegate calls");
    assertEquals(1, observer.count("miss:tts"));
    assertEquals(49, observer.count("hit:tts"));
    assertEquals(49, sinks.stream().filter(s -> s.cacheHit).count(), "joiners are marked as hits");

    RecordingSink later = new RecordingSink();
    cached.synthesize(request, later);
    assertTrue(later.awaitDone());
    assertArrayEquals(expected, later.bytes());
    assertTrue(later.cacheHit);
    assertEquals(1, tts.started.get(), "the stored audio answers later requests");
  }

  @Test
  void aJoinerGetsTheBytesSoFarAtOnceAndTheRestLive() throws Exception {
    SpeechRequest request = tts.request("Hello.");
    RecordingSink leader = new RecordingSink();
    cached.synthesize(request, leader);
    ScriptedTts.Synthesis s = tts.next();
    byte[] early = audio(1000, 3);
    s.audio(early);
    leader.awaitFirstAudio();

    RecordingSink joiner = new RecordingSink();
    cached.synthesize(request, joiner);
    joiner.awaitFirstAudio();
    assertArrayEquals(early, joiner.bytes(), "before the synthesis ends");
    assertFalse(joiner.done.isDone());

    byte[] late = audio(2000, 4);
    s.audio(late).complete();
    assertTrue(joiner.awaitDone());
    assertTrue(leader.awaitDone(), "each sink drains on its own: wait for both");
    assertArrayEquals(leader.bytes(), joiner.bytes());
    assertEquals(3000, joiner.bytes().length);
    assertTrue(joiner.cacheHit);
    assertFalse(joiner.audioBeforeHit, "onCacheHit comes before any audio");
    assertEquals(1, joiner.cacheHitCalls);
    assertFalse(leader.cacheHit, "the leader's audio is live");
  }

  @Test
  void aFailedSynthesisIsNeverStoredAndEveryWaiterSeesTheError() throws Exception {
    SpeechRequest request = tts.request("This will fail.");
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    cached.synthesize(request, a);
    cached.synthesize(request, b);
    tts.next().audio(audio(100, 5)).fail();
    assertFalse(a.awaitDone());
    assertFalse(b.awaitDone());

    RecordingSink retry = new RecordingSink();
    cached.synthesize(request, retry);
    ScriptedTts.Synthesis again = tts.next();
    assertEquals(2, tts.started.get(), "the failure was not stored");
    again.audio(audio(200, 6)).complete();
    assertTrue(retry.awaitDone());
    assertFalse(retry.cacheHit);
  }

  @Test
  void theSynthesisIsCancelledOnlyWhenEverySubscriberCancelledAndIsThenNotStored() throws Exception {
    SpeechRequest request = tts.request("Cancel me.");
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    TtsCall callA = cached.synthesize(request, a);
    TtsCall callB = cached.synthesize(request, b);
    ScriptedTts.Synthesis s = tts.next();
    s.audio(audio(100, 7));

    callA.cancel();
    assertFalse(s.cancelled, "b still listens");
    callB.cancel();
    assertTrue(s.cancelled, "nobody listens any more");
    s.audio(audio(100, 8)).complete(); // a late completion after cancel must not be stored

    RecordingSink fresh = new RecordingSink();
    cached.synthesize(request, fresh);
    tts.next().audio(audio(100, 9)).complete();
    assertTrue(fresh.awaitDone());
    assertEquals(2, tts.started.get(), "the cancelled synthesis was not stored");
    assertFalse(fresh.cacheHit);
  }

  @Test
  void oneSubscriberCancellingDoesNotStopTheOthers() throws Exception {
    SpeechRequest request = tts.request("Keep going.");
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    TtsCall callA = cached.synthesize(request, a);
    cached.synthesize(request, b);
    ScriptedTts.Synthesis s = tts.next();
    callA.cancel();
    byte[] all = audio(480, 10);
    s.audio(all).complete();
    assertTrue(b.awaitDone());
    assertArrayEquals(all, b.bytes());
    assertFalse(a.done.isDone(), "no callback after cancel");
  }

  @Test
  void aHitIsDeliveredInSampleAlignedPiecesOffTheCallersThread() throws Exception {
    SpeechRequest request = tts.request("A long sentence.");
    byte[] big = audio(100_000, 11);
    store.put(cache.key(tts.id(), request), big, Duration.ofMinutes(1)).join();

    RecordingSink sink = new RecordingSink();
    cached.synthesize(request, sink);
    assertTrue(sink.awaitDone());
    assertArrayEquals(big, sink.bytes());
    assertTrue(sink.cacheHit);
    assertTrue(sink.pieceSizes.size() > 1, "in pieces");
    assertTrue(sink.pieceSizes.stream().allMatch(n -> n % request.format().frameSize() == 0));
    assertFalse(sink.threads.contains(Thread.currentThread().getName()));
    assertEquals(0, tts.started.get());
    assertEquals(1, observer.count("hit:tts"));
  }

  @Test
  void aFailingStoreIsAMissAndAnErrorAndTheAudioStillComes() throws Exception {
    TtsProvider onBrokenStore = TtsCache.builder(new FailingStore()).build().wrap(tts, observer);
    RecordingSink sink = new RecordingSink();
    onBrokenStore.synthesize(tts.request("Redis is down."), sink);
    byte[] a = audio(64, 12);
    tts.next().audio(a).complete();
    assertTrue(sink.awaitDone());
    assertArrayEquals(a, sink.bytes());
    TestWait.until(() -> observer.count("error:tts") == 2, "lookup and write errors");
    assertEquals(0, observer.count("hit:tts"));
  }

  @Test
  void theKeyCoversEverySettingThatShapesTheAudioAndIgnoresWhitespace() {
    SpeechRequest base = new SpeechRequest("Hello  there.", "m", "alloy", 1.0, "", AudioFormat.PCM_24K);
    String key = cache.key("p", base);
    assertTrue(key.startsWith(TtsCache.KEY_PREFIX));
    assertEquals(key, cache.key("p", base.withText(" Hello there. ")));
    assertNotEquals(key, cache.key("q", base));
    assertNotEquals(key, cache.key("p", base.withText("Hello there!")));
    assertNotEquals(key, cache.key("p", base.withVoice("nova")));
    assertNotEquals(key, cache.key("p", new SpeechRequest("Hello there.", "m2", "alloy", 1.0, "", AudioFormat.PCM_24K)));
    assertNotEquals(key, cache.key("p", new SpeechRequest("Hello there.", "m", "alloy", 1.25, "", AudioFormat.PCM_24K)));
    assertNotEquals(key, cache.key("p", new SpeechRequest("Hello there.", "m", "alloy", 1.0, "cheerful", AudioFormat.PCM_24K)));
    assertNotEquals(key, cache.key("p", new SpeechRequest("Hello there.", "m", "alloy", 1.0, "", AudioFormat.MP3)));
    assertNotEquals(key, cache.key("p", new SpeechRequest("Hello there.", "m", "alloy", 1.0, "",
        new AudioFormat(AudioFormat.Encoding.PCM_S16LE, 16_000, 1))));
  }

  /** The provider's reading thread: sends {@code pieces} pieces unless cancelled, then completes. */
  private static final class Producer extends Thread {
    final AtomicInteger sent = new AtomicInteger();
    private final ScriptedTts.Synthesis synthesis;
    private final int pieces;
    private final int pieceBytes;

    Producer(ScriptedTts.Synthesis synthesis, int pieces, int pieceBytes) {
      super("test-provider-reader");
      this.synthesis = synthesis;
      this.pieces = pieces;
      this.pieceBytes = pieceBytes;
      setDaemon(true);
    }

    @Override
    public void run() {
      for (int i = 0; i < pieces && !synthesis.cancelled; i++) {
        sent.incrementAndGet();
        synthesis.sink.onAudio(audio(pieceBytes, i));
      }
      if (!synthesis.cancelled) {
        synthesis.complete();
      }
    }

    void awaitBlocked() {
      TestWait.until(() -> getState() == Thread.State.WAITING, "the provider's thread waits");
    }
  }

  @Test
  void audioLargerThanTheEntryLimitIsDeliveredInFullButNotStoredWhileSmallerAudioIs() throws Exception {
    TtsProvider bounded = TtsCache.builder(store).maxEntryBytes(10_000).build().wrap(tts, observer);
    SpeechRequest longOne = tts.request("A sentence with far too much audio.");
    RecordingSink sink = new RecordingSink();
    bounded.synthesize(longOne, sink);
    byte[] first = audio(6_000, 20);
    byte[] second = audio(6_000, 21);
    tts.next().audio(first).audio(second).complete();
    assertTrue(sink.awaitDone());
    assertEquals(12_000, sink.bytes().length, "the request still gets all of its audio");
    assertEquals(0, store.entryCount(), "nothing stored past maxEntryBytes");

    SpeechRequest shortOne = tts.request("A short one.");
    RecordingSink shortSink = new RecordingSink();
    bounded.synthesize(shortOne, shortSink);
    tts.next().audio(audio(9_600, 22)).complete();
    assertTrue(shortSink.awaitDone());
    TestWait.until(() -> store.entryCount() == 1, "the audio within the limit is stored");
    assertEquals(0, observer.count("error:tts"), "an oversized entry is not a store error");

    RecordingSink again = new RecordingSink();
    bounded.synthesize(longOne, again);
    ScriptedTts.Synthesis resynthesis = tts.next();
    assertEquals(3, tts.started.get(), "the oversized audio is synthesised again");
    resynthesis.complete();
  }

  @Test
  void aRequestArrivingAfterTheAudioOutgrewTheLimitStartsItsOwnSynthesis() throws Exception {
    TtsProvider bounded = TtsCache.builder(store).maxEntryBytes(10_000).build().wrap(tts, observer);
    SpeechRequest request = tts.request("Too long to share.");
    RecordingSink leader = new RecordingSink();
    bounded.synthesize(request, leader);
    ScriptedTts.Synthesis first = tts.next();
    RecordingSink early = new RecordingSink();
    bounded.synthesize(request, early); // joins while the audio is within the limit
    first.audio(audio(6_000, 23)).audio(audio(6_000, 24));

    RecordingSink late = new RecordingSink();
    bounded.synthesize(request, late);
    ScriptedTts.Synthesis own = tts.next();
    assertEquals(2, tts.started.get(), "the late request did not join: the start of the audio is gone");
    first.audio(audio(480, 25)).complete();
    own.audio(audio(480, 26)).complete();
    assertTrue(leader.awaitDone());
    assertTrue(early.awaitDone());
    assertTrue(late.awaitDone());
    assertArrayEquals(leader.bytes(), early.bytes(), "the early joiner got the whole audio");
    assertEquals(12_480, early.bytes().length);
    assertEquals(480, late.bytes().length);
    assertFalse(late.cacheHit);
  }

  @Test
  void aSinkThatChangesItsAudioDoesNotChangeWhatIsStored() throws Exception {
    SpeechRequest request = tts.request("Mutable arrays.");
    AudioSink scribbler = new AudioSink() {
      @Override
      public void onAudio(byte[] audio) {
        Arrays.fill(audio, (byte) 0); // the array was handed over: it may do this
      }

      @Override
      public void onComplete() {}

      @Override
      public void onError(dev.officehours.errors.OfficeHoursException error) {}
    };
    cached.synthesize(request, scribbler);
    byte[] original = audio(4_800, 27);
    tts.next().audio(original).complete();
    TestWait.until(() -> store.entryCount() == 1, "stored");
    assertArrayEquals(original, store.get(cache.key(tts.id(), request)).join().orElseThrow());
  }

  @Test
  void aSlowSinkPausesTheProvidersThreadUntilItCatchesUp() throws Exception {
    TtsProvider bounded = TtsCache.builder(store).maxQueuedBytes(4_096).build().wrap(tts, observer);
    GatedSink slow = new GatedSink();
    bounded.synthesize(tts.request("Slowly, please."), slow);
    Producer reader = new Producer(tts.next(), 100, 8_192);
    reader.start();
    slow.awaitEntered();
    reader.awaitBlocked();
    assertEquals(1, reader.sent.get(), "one piece past the limit, then the provider waits");
    assertEquals(0, slow.bytes.get());

    slow.gate.countDown();
    reader.join(10_000);
    assertFalse(reader.isAlive());
    assertTrue(slow.done.get(10, TimeUnit.SECONDS));
    assertEquals(100 * 8_192, slow.bytes.get(), "everything arrived once the sink caught up");
  }

  @Test
  void aProviderWaitingForASinkIsReleasedWhenTheSinkCancels() throws Exception {
    TtsProvider bounded = TtsCache.builder(store).maxQueuedBytes(4_096).build().wrap(tts, observer);
    GatedSink slow = new GatedSink();
    TtsCall call = bounded.synthesize(tts.request("Nobody listens."), slow);
    ScriptedTts.Synthesis synthesis = tts.next();
    Producer reader = new Producer(synthesis, 100, 8_192);
    reader.start();
    slow.awaitEntered();
    reader.awaitBlocked();

    call.cancel();
    reader.join(10_000);
    assertFalse(reader.isAlive(), "the provider's thread is no longer held");
    assertTrue(synthesis.cancelled, "and the synthesis was cancelled");
    slow.gate.countDown();
    TestWait.until(() -> slow.bytes.get() == 8_192, "the piece the sink was taking");
    assertFalse(slow.done.isDone(), "nothing after cancel");
    assertEquals(0, store.entryCount());
  }

  @Test
  void aProviderWaitingForOneSlowSinkGoesOnWhenThatSinkCancels() throws Exception {
    TtsProvider bounded = TtsCache.builder(store).maxQueuedBytes(4_096).build().wrap(tts, observer);
    SpeechRequest request = tts.request("Two listeners.");
    GatedSink slow = new GatedSink();
    TtsCall slowCall = bounded.synthesize(request, slow);
    RecordingSink fast = new RecordingSink();
    bounded.synthesize(request, fast);
    Producer reader = new Producer(tts.next(), 50, 8_192);
    reader.start();
    slow.awaitEntered();
    reader.awaitBlocked();

    slowCall.cancel();
    assertTrue(fast.awaitDone());
    assertEquals(50 * 8_192, fast.bytes().length, "the other request got all of the audio");
    slow.gate.countDown();
  }

  @Test
  void sinksBlockedInOnAudioDoNotDelayAnotherRequestsAudio() throws Exception {
    int blocked = 2 * Runtime.getRuntime().availableProcessors() + 2;
    List<GatedSink> gated = new ArrayList<>();
    try {
      for (int i = 0; i < blocked; i++) {
        SpeechRequest request = tts.request("Blocked " + i + ".");
        store.put(cache.key(tts.id(), request), audio(4_800, i), Duration.ofMinutes(1)).join();
        GatedSink sink = new GatedSink();
        gated.add(sink);
        cached.synthesize(request, sink);
        sink.awaitEntered();
      }
      SpeechRequest other = tts.request("Not blocked.");
      byte[] stored = audio(4_800, 99);
      store.put(cache.key(tts.id(), other), stored, Duration.ofMinutes(1)).join();
      RecordingSink sink = new RecordingSink();
      cached.synthesize(other, sink);
      assertTrue(sink.awaitDone(), "a hit while " + blocked + " sinks block on the shared executor");
      assertArrayEquals(stored, sink.bytes());
    } finally {
      gated.forEach(g -> g.gate.countDown());
    }
  }

  @Test
  void theBuilderNamesBadSizeLimitsAndHasDefaults() {
    IllegalArgumentException entry = assertThrows(IllegalArgumentException.class,
        () -> TtsCache.builder(store).maxEntryBytes(0));
    assertTrue(entry.getMessage().contains("maxEntryBytes") && entry.getMessage().contains("0"), entry.getMessage());
    IllegalArgumentException queued = assertThrows(IllegalArgumentException.class,
        () -> TtsCache.builder(store).maxQueuedBytes(-1));
    assertTrue(queued.getMessage().contains("maxQueuedBytes"), queued.getMessage());
    TtsCache defaults = TtsCache.inMemory();
    assertEquals(8 * 1024 * 1024, defaults.maxEntryBytes());
    assertEquals(1024 * 1024, defaults.maxQueuedBytes());
  }

  @Test
  void theBuilderNamesABadTtl() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TtsCache.builder(store).ttl(Duration.ZERO));
    assertTrue(e.getMessage().contains("ttl"), e.getMessage());
    assertEquals(Duration.ofHours(2), TtsCache.inMemory().ttl());
  }
}
