package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link TtsProvider} promises (see {@link dev.officehours.tts.AudioSink} and {@link
 * TtsCall}), checked against a scripted backend: audio in order, in whole sample frames, never
 * empty; exactly one terminal callback and nothing after it; no blocking on the network; a cancel
 * that closes the connection and silences the sink; HTTP failures as a {@link ProviderException}
 * of stage {@code TTS} with their status and without the credential; concurrent syntheses kept
 * apart.
 *
 * <p>Extend it and implement {@link #startBackend()}.
 */
@Timeout(60)
public abstract class TtsProviderContract {
  private TtsBackend backend;

  /** For subclasses. */
  protected TtsProviderContract() {}

  /**
   * Starts a fresh backend for one test; the contract closes it after the test.
   *
   * @return the scripted backend with your provider pointed at it
   * @throws Exception when it cannot start
   */
  protected abstract TtsBackend startBackend() throws Exception;

  @BeforeEach
  final void startTheBackend() throws Exception {
    backend = startBackend();
  }

  @AfterEach
  final void closeTheBackend() throws Exception {
    if (backend != null) {
      backend.close();
    }
  }

  private static String text(String what) {
    return what + " " + UUID.randomUUID() + ".";
  }

  /** Audio whose every byte tells where it came from, so a reordering shows. */
  private static byte[] audio(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (seed * 31 + i * 7 + 3);
    }
    return b;
  }

  private static byte[] join(List<byte[]> pieces) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    pieces.forEach(all::writeBytes);
    return all.toByteArray();
  }

  private TtsProvider provider() {
    return backend.provider();
  }

  private RecordingAudioSink synthesize(String text) {
    RecordingAudioSink sink = new RecordingAudioSink();
    provider().synthesize(provider().request(text), sink);
    return sink;
  }

  private void completeAnotherSynthesis() {
    String t = text("barrier");
    backend.speak(t, List.of(audio(480, 9)));
    synthesize(t).log().awaitTerminal();
  }

  @Test
  void audioArrivesInOrderThenExactlyOneCompletion() {
    String t = text("order");
    List<byte[]> pieces = List.of(audio(960, 1), audio(480, 2), audio(2400, 3), audio(96, 4));
    backend.speak(t, pieces);
    RecordingAudioSink sink = synthesize(t);
    sink.log().awaitTerminal();
    assertTrue(sink.completed(), "completed normally: " + sink.log().events());
    assertArrayEquals(join(pieces), sink.audio());
    assertTrue(sink.pieces().stream().allMatch(p -> p.length > 0), "an audio buffer was empty");
    completeAnotherSynthesis();
    sink.log().assertWellFormed();
  }

  @Test
  void rawPcmArrivesInWholeSampleFramesHoweverTheServerSplitsIt() {
    SpeechRequest request = provider().request(text("frames"));
    assumeTrue(request.format().isRawPcm(), "the provider does not produce raw PCM");
    int frame = request.format().frameSize();
    String t = request.text();
    // pieces that cut samples in half; together they are whole frames
    List<byte[]> pieces = List.of(audio(frame * 10 + 1, 1), audio(frame * 3 - 1, 2), audio(1, 3),
        audio(frame * 7 - 1, 4));
    backend.speak(t, pieces);
    RecordingAudioSink sink = new RecordingAudioSink();
    provider().synthesize(request, sink);
    sink.log().awaitTerminal();
    assertTrue(sink.completed(), "completed normally: " + sink.log().events());
    for (byte[] piece : sink.pieces()) {
      assertTrue(piece.length > 0 && piece.length % frame == 0,
          "a buffer of " + piece.length + " bytes is not whole frames of " + frame);
    }
    assertArrayEquals(join(pieces), sink.audio());
    sink.log().assertWellFormed();
  }

  @Test
  void synthesizeReturnsBeforeTheAudioArrives() throws Exception {
    String t = text("no blocking");
    CountDownLatch release = new CountDownLatch(1);
    backend.speakThenStall(t, List.of(), release);
    RecordingAudioSink sink = new RecordingAudioSink();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Future<TtsCall> call = caller.submit(() -> provider().synthesize(provider().request(t), sink));
      call.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertFalse(sink.log().ended(), "ended while the backend was still stalling");
      release.countDown();
      sink.log().awaitTerminal();
      sink.log().assertWellFormed();
    } finally {
      release.countDown();
      caller.shutdownNow();
    }
  }

  @Test
  void cancelMidStreamClosesTheConnectionAndNothingFollows() {
    String t = text("cancel mid-stream");
    CountDownLatch release = new CountDownLatch(1);
    byte[] first = audio(960, 1);
    backend.speakThenStall(t, List.of(first), release);
    RecordingAudioSink sink = new RecordingAudioSink();
    TtsCall call = provider().synthesize(provider().request(t), sink);
    Await.until("the audio before the stall", () -> sink.audio().length == first.length);
    call.cancel();
    sink.log().cancelled();
    Await.until("the cancelled call's connection to close", () -> backend.openConnections() == 0);
    release.countDown();
    completeAnotherSynthesis();
    sink.log().assertWellFormed();
    assertFalse(sink.log().ended(), "a terminal callback followed cancel");
  }

  @Test
  void cancelBeforeTheFirstByteMeansNoCallbackAtAll() {
    String t = text("cancel early");
    CountDownLatch release = new CountDownLatch(1);
    backend.speakThenStall(t, List.of(), release);
    RecordingAudioSink sink = new RecordingAudioSink();
    TtsCall call = provider().synthesize(provider().request(t), sink);
    call.cancel();
    sink.log().cancelled();
    release.countDown();
    Await.until("the cancelled call's connection to close", () -> backend.openConnections() == 0);
    completeAnotherSynthesis();
    assertEquals(List.of(), sink.log().events());
    sink.log().assertWellFormed();
  }

  @Test
  void cancelFromInsideOnAudioStopsTheStreamAtOnce() {
    String t = text("cancel inside");
    byte[] first = audio(960, 1);
    CountDownLatch release = new CountDownLatch(1);
    // the rest follows only after the cancel, so it cannot already sit in the first buffer
    backend.speakThenStall(t, List.of(first), release);
    AtomicReference<TtsCall> call = new AtomicReference<>();
    CountDownLatch handle = new CountDownLatch(1);
    RecordingAudioSink sink = new RecordingAudioSink(piece -> {
      try {
        handle.await(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      call.get().cancel();
      release.countDown();
    });
    call.set(provider().synthesize(provider().request(t), sink));
    handle.countDown();
    Await.until("the first audio", () -> !sink.pieces().isEmpty());
    sink.log().cancelled();
    Await.until("the connection to close", () -> backend.openConnections() == 0);
    completeAnotherSynthesis();
    assertEquals(1, sink.pieces().size(), "buffers after cancel: " + sink.log().events());
    assertFalse(sink.log().ended(), "a terminal callback followed cancel");
    sink.log().assertWellFormed();
  }

  @Test
  void cancelIsIdempotentAndANoOpAfterTheEnd() {
    String t = text("cancel late");
    backend.speak(t, List.of(audio(480, 1)));
    RecordingAudioSink sink = new RecordingAudioSink();
    TtsCall call = provider().synthesize(provider().request(t), sink);
    sink.log().awaitTerminal();
    call.cancel();
    call.cancel();
    completeAnotherSynthesis();
    assertTrue(sink.completed());
    assertEquals(List.of("audio:480", "complete"), sink.log().events());
    sink.log().assertWellFormed();
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {400, 401, 403, 404, 429, 500, 503})
  void anHttpErrorIsAProviderExceptionWithItsStatus(int status) {
    String t = text("status " + status);
    backend.fail(t, status, "scripted failure " + status);
    RecordingAudioSink sink = synthesize(t);
    sink.log().awaitTerminal();
    ProviderException error = assertInstanceOf(ProviderException.class, sink.log().error(),
        "reported as a ProviderException: " + sink.log().events());
    assertEquals(OfficeHoursException.Stage.TTS, error.stage());
    assertEquals(status, error.status().orElse(-1), "status of " + error);
    assertEquals(0, sink.audio().length, "an error body was delivered as audio");
    sink.log().assertWellFormed();
  }

  @Test
  void errorsNeverCarryTheCredential() {
    String secret = backend.credential();
    assumeTrue(!secret.isEmpty(), "the provider takes no credential");
    String t = text("secret");
    backend.fail(t, 401, "Incorrect API key provided: " + secret + ".");
    RecordingAudioSink sink = synthesize(t);
    sink.log().awaitTerminal();
    assertNotNull(sink.log().error(), "a 401 is an error: " + sink.log().events());
    Secrets.assertAbsent(secret, sink.log().error());
    Secrets.assertAbsent(secret, provider().toString(), "the provider's toString()");
    Secrets.assertAbsent(secret, provider().id(), "the provider's id()");
  }

  @Test
  void aStreamCutOffIsAnErrorAfterWhatArrived() {
    String t = text("cut off");
    byte[] first = audio(960, 1);
    backend.cutOff(t, List.of(first));
    RecordingAudioSink sink = synthesize(t);
    sink.log().awaitTerminal();
    assertInstanceOf(OfficeHoursException.class, sink.log().error(),
        "a broken stream is an error, not a completion: " + sink.log().events());
    assertEquals(OfficeHoursException.Stage.TTS, sink.log().error().stage());
    byte[] got = sink.audio();
    assertTrue(got.length <= first.length, "more audio than was sent");
    assertArrayEquals(java.util.Arrays.copyOf(first, got.length), got, "audio before the break");
    sink.log().assertWellFormed();
  }

  @Test
  void concurrentSynthesesEachGetTheirOwnAudio() throws Exception {
    int calls = 8;
    List<String> texts = new ArrayList<>();
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      String t = text("concurrent " + i);
      texts.add(t);
      List<byte[]> pieces = List.of(audio(480, i), audio(960, i + 100));
      expected.add(join(pieces));
      backend.speak(t, pieces);
    }
    ExecutorService callers = Executors.newFixedThreadPool(calls);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<RecordingAudioSink>> started = new ArrayList<>();
      for (String t : texts) {
        started.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return synthesize(t);
        }, callers));
      }
      go.countDown();
      for (int i = 0; i < calls; i++) {
        RecordingAudioSink sink = started.get(i).get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        sink.log().awaitTerminal();
        assertTrue(sink.completed(), "synthesis " + i + ": " + sink.log().events());
        assertArrayEquals(expected.get(i), sink.audio(), "audio of synthesis " + i);
        sink.log().assertWellFormed();
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void idIsStableAndTheInputLimitIsPositive() {
    TtsProvider provider = provider();
    assertFalse(provider.id().isBlank());
    assertEquals(provider.id(), provider.id());
    assertTrue(provider.maxInputChars() > 0, "maxInputChars() " + provider.maxInputChars());
    assertEquals("some text", provider.request("some text").text());
  }
}
