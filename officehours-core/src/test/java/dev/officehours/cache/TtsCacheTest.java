package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  @Test
  void theBuilderNamesABadTtl() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TtsCache.builder(store).ttl(Duration.ZERO));
    assertTrue(e.getMessage().contains("ttl"), e.getMessage());
    assertEquals(Duration.ofHours(2), TtsCache.inMemory().ttl());
  }
}
