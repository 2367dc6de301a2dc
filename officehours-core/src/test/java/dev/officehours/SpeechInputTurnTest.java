package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.NoSpeechException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.metrics.MicrometerObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Turns started from recorded speech, with the STT, LLM and TTS faked at the process boundary. */
class SpeechInputTurnTest {
  final FakeStt stt = new FakeStt();
  final FakeLlm llm = new FakeLlm();
  final InMemoryConversationStore store = InMemoryConversationStore.create();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  ConversationPipeline pipeline = pipeline(ConversationPipeline.builder());

  ConversationPipeline pipeline(ConversationPipeline.Builder b) {
    return b.llm(llm).stt(stt).conversationStore(store).observer(new MicrometerObserver(registry)).build();
  }

  @AfterEach
  void close() {
    pipeline.close();
  }

  /** The first bytes of a WAV file and some silence: what the container check looks at. */
  static byte[] wav(int bytes) {
    byte[] b = new byte[Math.max(44, bytes)];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
    System.arraycopy("WAVE".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 4);
    return b;
  }

  static SpeechInput speech() {
    return SpeechInput.of(wav(3_244), "audio/wav");
  }

  List<HistoryMessage> history() {
    return store.load("s1").join();
  }

  @Test
  void theTranscriptIsAnsweredAsTheUsersMessage() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.startFromAudio("s1", speech(), events);
    stt.next().heard(" When are office hours? ");
    FakeLlm.Stream stream = llm.nextStream();
    List<ChatMessage> messages = stream.request.messages();
    assertEquals(ChatMessage.user("When are office hours?"), messages.get(messages.size() - 1));
    stream.tokens("Nine", " to five.").complete();

    TurnResult result = turn.completion().join();
    assertEquals("Nine to five.", result.text());
  }

  @Test
  void historyStoresTheTranscriptAsTheUsersMessage() {
    Turn turn = pipeline.startFromAudio("s1", speech(), new RecordingListener());
    stt.next().heard("When are office hours?");
    llm.nextStream().tokens("Nine to five.").complete();
    turn.completion().join();

    List<HistoryMessage> history = history();
    assertEquals(2, history.size());
    assertEquals(ChatMessage.Role.USER, history.get(0).role());
    assertEquals("When are office hours?", history.get(0).text());
    assertEquals("Nine to five.", history.get(1).text());
  }

  @Test
  void theTranscriptIsTheFirstEventAndNamesItsTurn() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.startFromAudio("s1", speech(), events);
    stt.next().heard("When are office hours?");
    llm.nextStream().tokens("Nine to five.").complete();
    turn.completion().join();

    TurnEvent first = events.events().get(0);
    Transcribed transcript = assertInstanceOf(Transcribed.class, first);
    assertEquals(turn.id(), transcript.turnId());
    assertEquals("When are office hours?", transcript.text());
    assertEquals("en", transcript.language());
    assertFalse(transcript.duration().isNegative());
    assertEquals(1, events.events().stream().filter(Transcribed.class::isInstance).count());
  }

  @Test
  void speechToTextLatencyIsInTheMetricsAndTheTimer() {
    Turn turn = pipeline.startFromAudio("s1", speech(), new RecordingListener());
    stt.next().heard("Hello?");
    llm.nextStream().tokens("Hi.").complete();
    TurnMetrics metrics = turn.completion().join().metrics();

    assertTrue(metrics.speechToText().isPresent());
    assertTrue(metrics.speechToText().get().compareTo(metrics.total()) <= 0);
    assertTrue(metrics.toString().contains("stt="), metrics.toString());
    assertEquals(1, registry.get("officehours.stt.duration").timer().count());
  }

  @Test
  void aTextTurnHasNoSpeechToTextTime() {
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hello?"), new RecordingListener());
    llm.nextStream().tokens("Hi.").complete();
    assertTrue(turn.completion().join().metrics().speechToText().isEmpty());
    assertEquals(0, registry.get("officehours.stt.duration").timer().count());
  }

  @Test
  void theAudioItsTypeAndLanguageReachTheProvider() {
    SpeechInput speech = SpeechInput.of(wav(1_000), "Audio/WAV; codecs=1").withLanguage("DE");
    pipeline.startFromAudio("s1", speech, new RecordingListener());
    FakeStt.Transcription call = stt.next();
    assertSame(speech.audio(), call.audio);
    assertEquals("audio/wav", call.mimeType);
    assertEquals("de", call.language);
  }

  @Test
  void perTurnSettingsApplyToATurnFromAudio() {
    TurnRequest request = TurnRequest.builder("s1", speech()).maxTokens(42).temperature(0.5).build();
    pipeline.start(request, new RecordingListener());
    stt.next().heard("Hello?");
    FakeLlm.Stream stream = llm.nextStream();
    assertEquals(42, stream.request.maxTokens());
    assertEquals(0.5, stream.request.temperature().getAsDouble());
  }

  @Test
  void cancellingDuringTranscriptionCancelsTheCallAndWritesNoHistory() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.startFromAudio("s1", speech(), events);
    FakeStt.Transcription call = stt.next();
    assertTrue(turn.cancel());

    assertTrue(call.awaitCancelled());
    TurnCancelled cancelled = assertInstanceOf(TurnCancelled.class, events.awaitTerminal());
    assertEquals("", cancelled.textSoFar());
    assertTrue(turn.completion().join().metrics().speechToText().isEmpty());
    assertTrue(history().isEmpty());
    assertTrue(llm.streams.isEmpty(), "no LLM call after a cancel during transcription");
  }

  @Test
  void anEmptyTranscriptEndsTheTurnWithNoSpeechAndNoHistory() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.startFromAudio("s1", speech(), events);
    stt.next().heard("   ");

    TurnFailed failed = assertInstanceOf(TurnFailed.class, events.awaitTerminal());
    NoSpeechException error = assertInstanceOf(NoSpeechException.class, failed.error());
    assertEquals(Stage.STT, error.stage());
    assertTrue(error.getMessage().contains("no speech was recognised"), error.getMessage());
    assertThrows(Exception.class, () -> turn.completion().join());
    assertTrue(history().isEmpty());
    assertTrue(llm.streams.isEmpty());
  }

  @Test
  void aFailedTranscriptionEndsTheTurnWithTheProvidersErrorAndNoHistory() {
    RecordingListener events = new RecordingListener();
    pipeline.startFromAudio("s1", speech(), events);
    ProviderException refused = ProviderException.builder(Stage.STT, "transcription failed: HTTP 400")
        .status(400).build();
    stt.next().fail(refused);

    TurnFailed failed = assertInstanceOf(TurnFailed.class, events.awaitTerminal());
    assertSame(refused, failed.error());
    assertTrue(history().isEmpty());
    assertTrue(llm.streams.isEmpty());
    assertEquals(1.0, registry.get("officehours.errors").tag("stage", "stt").counter().count());
  }

  @Test
  void aProviderThatThrowsFailsTheTurnAtTheSttStage() {
    pipeline.close();
    dev.officehours.stt.SttProvider throwing = new dev.officehours.stt.SttProvider() {
      @Override
      public String id() {
        return "throwing-stt";
      }

      @Override
      public java.util.concurrent.CompletableFuture<dev.officehours.stt.Transcript> transcribe(
          byte[] audio, String mimeType) {
        throw new IllegalStateException("engine not loaded");
      }
    };
    pipeline = ConversationPipeline.builder().llm(llm).conversationStore(store).stt(throwing).build();
    RecordingListener events = new RecordingListener();
    pipeline.startFromAudio("s1", speech(), events);

    TurnFailed failed = assertInstanceOf(TurnFailed.class, events.awaitTerminal());
    assertEquals(Stage.STT, failed.error().stage());
    assertTrue(failed.error().getMessage().contains("engine not loaded"), failed.error().getMessage());
  }

  @Test
  void aTranscriptOverTheTextLimitEndsTheTurnNamingTheLimit() {
    pipeline.close();
    pipeline = pipeline(ConversationPipeline.builder().maxTextChars(10));
    RecordingListener events = new RecordingListener();
    pipeline.startFromAudio("s1", speech(), events);
    stt.next().heard("This transcript is longer than ten characters.");

    TurnFailed failed = assertInstanceOf(TurnFailed.class, events.awaitTerminal());
    LimitExceededException error = assertInstanceOf(LimitExceededException.class, failed.error());
    assertEquals("maxTextChars", error.setting());
    assertEquals(10, error.limit());
    assertTrue(history().isEmpty());
  }

  @Test
  void theTurnDeadlineCoversTranscriptionAndCancelsIt() {
    pipeline.close();
    ManualClock clock = new ManualClock();
    pipeline = pipeline(ConversationPipeline.builder().clock(clock).turnDeadline(Duration.ofSeconds(30)));
    RecordingListener events = new RecordingListener();
    pipeline.startFromAudio("s1", speech(), events);
    FakeStt.Transcription call = stt.next();
    clock.awaitPending(1);
    clock.advance(Duration.ofSeconds(30));

    TurnFailed failed = assertInstanceOf(TurnFailed.class, events.awaitTerminal());
    assertInstanceOf(TurnTimeoutException.class, failed.error());
    assertTrue(call.awaitCancelled());
  }

  @Test
  void audioOverTheLimitIsRefusedBeforeTranscriptionNamingTheLimit() {
    pipeline.close();
    pipeline = pipeline(ConversationPipeline.builder().maxAudioBytes(1_000));
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> pipeline.startFromAudio("s1", SpeechInput.of(wav(1_001), "audio/wav"), new RecordingListener()));
    assertEquals("audio", e.field());
    assertTrue(e.getMessage().contains("1001 bytes, over the limit of 1000 (maxAudioBytes)"), e.getMessage());
    assertTrue(stt.calls.isEmpty());
  }

  @Test
  void theDefaultAudioLimitIsTenMebibytes() {
    assertEquals(10 * 1024 * 1024, ConversationPipeline.Builder.DEFAULT_MAX_AUDIO_BYTES);
    byte[] tooBig = wav(ConversationPipeline.Builder.DEFAULT_MAX_AUDIO_BYTES + 1);
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> pipeline.startFromAudio("s1", SpeechInput.of(tooBig, "audio/wav"), new RecordingListener()));
    assertTrue(e.getMessage().contains("maxAudioBytes"), e.getMessage());
  }

  @Test
  void bytesThatAreNoKnownAudioContainerAreRefused() {
    byte[] text = "this is not audio at all".getBytes(StandardCharsets.US_ASCII);
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> pipeline.startFromAudio("s1", SpeechInput.of(text, "audio/wav"), new RecordingListener()));
    assertEquals("audio", e.field());
    assertTrue(e.getMessage().contains("not WAV, MP3, Ogg, WebM, FLAC or MP4/M4A"), e.getMessage());
    assertTrue(stt.calls.isEmpty());
  }

  @Test
  void audioWhoseBytesAreNotItsDeclaredTypeIsRefused() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> pipeline.startFromAudio("s1", SpeechInput.of(wav(100), "audio/mpeg"), new RecordingListener()));
    assertEquals("mimeType", e.field());
    assertTrue(e.getMessage().contains("declared audio/mpeg but its bytes are WAV"), e.getMessage());
  }

  @Test
  void aPublisherIsRefusedTheSameWayBeforeSubscribing() {
    pipeline.close();
    pipeline = pipeline(ConversationPipeline.builder().maxAudioBytes(100));
    TurnRequest request = TurnRequest.builder("s1", SpeechInput.of(wav(101), "audio/wav")).build();
    assertThrows(InvalidRequestException.class, () -> pipeline.publisher(request));
  }

  @Test
  void withoutAnSttProviderATurnFromAudioIsRefused() {
    pipeline.close();
    pipeline = ConversationPipeline.builder().llm(llm).build();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> pipeline.startFromAudio("s1", speech(), new RecordingListener()));
    assertTrue(e.getMessage().contains("stt(...)"), e.getMessage());
  }

  @Test
  void speechInputRejectsEmptyAudioABadTypeAndABadLanguageNamingTheField() {
    assertEquals("audio", assertThrows(InvalidRequestException.class,
        () -> SpeechInput.of(new byte[0], "audio/wav")).field());
    assertEquals("mimeType", assertThrows(InvalidRequestException.class,
        () -> SpeechInput.of(wav(100), "text/plain")).field());
    assertEquals("language", assertThrows(InvalidRequestException.class,
        () -> speech().withLanguage("english")).field());
    assertEquals("speech", assertThrows(InvalidRequestException.class,
        () -> TurnRequest.builder("s1", (SpeechInput) null)).field());
  }

  @Test
  void aRequestFromSpeechHasNoTextUntilTranscribed() {
    TurnRequest request = TurnRequest.builder("s1", speech()).build();
    assertEquals("", request.text());
    assertTrue(request.speech().isPresent());
    assertTrue(request.toString().contains("speech=SpeechInput[audio/wav, 3244 bytes]"), request.toString());
    assertTrue(TurnRequest.of("s1", "Hi").speech().isEmpty());
  }

  @Test
  void thePublisherEmitsTheTranscriptFirst() throws Exception {
    List<TurnEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    pipeline.publisher(TurnRequest.builder("s1", speech()).build()).subscribe(
        new java.util.concurrent.Flow.Subscriber<TurnEvent>() {
          @Override
          public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(TurnEvent item) {
            seen.add(item);
          }

          @Override
          public void onError(Throwable throwable) {
            done.countDown();
          }

          @Override
          public void onComplete() {
            done.countDown();
          }
        });
    stt.next().heard("Hello?");
    llm.nextStream().tokens("Hi.").complete();
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertInstanceOf(Transcribed.class, seen.get(0));
    assertInstanceOf(TurnResult.class, seen.get(seen.size() - 1));
  }

  @Test
  void aLaterTextTurnSeesTheTranscriptInItsContext() {
    Turn first = pipeline.startFromAudio("s1", speech(), new RecordingListener());
    stt.next().heard("My name is Ada.");
    llm.nextStream().tokens("Hello Ada.").complete();
    first.completion().join();

    pipeline.start(TurnRequest.of("s1", "What is my name?"), new RecordingListener());
    List<ChatMessage> messages = llm.nextStream().request.messages();
    assertTrue(messages.contains(ChatMessage.user("My name is Ada.")), messages.toString());
  }
}
