package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.metrics.MetricsSnapshot;
import dev.officehours.metrics.MicrometerObserver;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeakableText;
import dev.officehours.text.SpeechChunker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.metrics.TurnOutcome;

/** The pipeline's contract, with the LLM and TTS faked at the process boundary. */
class ConversationPipelineTest {
  static final String TWO_SENTENCES =
      "Our office hours are from nine to five on weekdays. On Saturdays we open from ten until two in the afternoon.";

  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final InMemoryConversationStore store = InMemoryConversationStore.create();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MicrometerObserver metrics = new MicrometerObserver(registry);
  ConversationPipeline pipeline = pipeline(ConversationPipeline.builder());

  ConversationPipeline pipeline(ConversationPipeline.Builder b) {
    return b.llm(llm).tts(tts).conversationStore(store).observer(metrics).build();
  }

  @AfterEach
  void close() {
    pipeline.close();
  }

  /** The speakable chunks the pipeline's chunker cuts from {@code text}. */
  static List<String> chunksOf(String text) {
    List<String> out = new ArrayList<>();
    SpeechChunker c = new SpeechChunker(ChunkerSettings.DEFAULT);
    for (String t : text.split("(?<=\\S)(?=\\s)")) {
      c.append(t, out::add);
    }
    c.flush(out::add);
    return out.stream().map(SpeakableText::clean).filter(s -> !s.isEmpty()).toList();
  }

  @Test
  void startReturnsAtOnceAndStreamsTextInOrder() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "What are your office hours?"), events);
    assertFalse(turn.completion().isDone());

    FakeLlm.Stream stream = llm.nextStream();
    stream.tokens("Nine", " to", " five", ".").complete();
    for (int i = 0; i < chunksOf("Nine to five.").size(); i++) {
      tts.next().audio("a" + i).complete();
    }

    TurnResult result = turn.completion().join();
    assertEquals("Nine to five.", events.text());
    assertEquals("Nine to five.", result.text());
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals("stop", result.finishReason());
    assertEquals(30, result.usage().totalTokens());
    assertEquals(1, events.terminalCount);
    assertSame(result, events.events().get(events.events().size() - 1));
    assertFalse(events.overlapped);
  }

  @Test
  void firstAudioIsDeliveredBeforeTheLlmStreamEnds() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(TWO_SENTENCES);

    FakeTts.Synthesis first = tts.next();
    first.audio("first-bytes");
    events.awaitAudioFrames(1);

    assertFalse(turn.completion().isDone(), "the LLM has not finished, yet audio is playing");
    AudioFrame frame = events.audio().get(0);
    assertEquals(0, frame.chunkIndex());
    assertEquals(0, frame.frameIndex());
    assertEquals(turn.id(), frame.turnId());
    assertEquals(first.request.text(), frame.chunkText());
    assertTrue(frame.format().isRawPcm());
  }

  @Test
  void theFirstBytesOfAChunkAreForwardedBeforeItsSynthesisEnds() {
    RecordingListener events = new RecordingListener();
    pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words(TWO_SENTENCES);
    FakeTts.Synthesis first = tts.next();
    first.audio("part-1");
    events.awaitAudioFrames(1);
    first.audio("part-2");
    events.awaitAudioFrames(2);
    assertEquals(List.of("part-1", "part-2"), events.audioLabels());
    assertEquals(List.of(0, 1), events.audio().stream().map(AudioFrame::frameIndex).toList());
  }

  @Test
  void audioStaysInChunkOrderWhenALaterChunkFinishesFirst() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(TWO_SENTENCES);
    stream.complete();
    int chunkCount = chunksOf(TWO_SENTENCES).size();
    assertTrue(chunkCount >= 2, "the answer is cut into at least two chunks: " + chunksOf(TWO_SENTENCES));

    List<FakeTts.Synthesis> calls = new ArrayList<>();
    for (int i = 0; i < Math.min(chunkCount, 3); i++) {
      calls.add(tts.next());
    }
    // chunk 1 is entirely synthesised before chunk 0 has produced a byte
    calls.get(1).audio("c1-a").audio("c1-b").complete();
    calls.get(0).audio("c0-a");
    events.awaitAudioFrames(1);
    assertEquals(List.of("c0-a"), events.audioLabels(), "chunk 1 is held back while chunk 0 plays");
    calls.get(0).audio("c0-b").complete();
    events.awaitAudioFrames(4);
    for (int i = 2; i < chunkCount; i++) {
      FakeTts.Synthesis s = i < calls.size() ? calls.get(i) : tts.next();
      s.audio("c" + i).complete();
    }
    TurnResult result = turn.completion().join();

    List<String> labels = events.audioLabels();
    assertEquals(List.of("c0-a", "c0-b", "c1-a", "c1-b"), labels.subList(0, 4));
    List<Integer> order = events.audio().stream().map(AudioFrame::chunkIndex).toList();
    List<Integer> sorted = new ArrayList<>(order);
    sorted.sort(null);
    assertEquals(sorted, order);
    assertEquals(chunkCount, result.metrics().chunks());
    assertTrue(result.metrics().timeToFirstAudio().isPresent());
  }

  @Test
  void atMostTheConfiguredNumberOfSynthesesAreInFlight() {
    pipeline.close();
    pipeline = pipeline(ConversationPipeline.builder().ttsConcurrency(2));
    String answer = "One is the first sentence here. Two is the second sentence here. "
        + "Three is the third sentence here. Four is the fourth sentence here.";
    int chunkCount = chunksOf(answer).size();
    assertTrue(chunkCount >= 4, chunksOf(answer).toString());
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Count"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(answer);
    stream.complete();
    FakeTts.Synthesis a = tts.next();
    FakeTts.Synthesis b = tts.next();
    // The third call may only start once one of the two has ended: prove it by ending one and
    // seeing the third arrive, after checking none is queued yet.
    events.await(e -> e instanceof TextDelta && ((TextDelta) e).text().endsWith("here."));
    assertTrue(tts.noPendingCall(), "a third synthesis started while two were in flight");
    b.audio("b").complete();
    FakeTts.Synthesis c = tts.next();
    a.audio("a").complete();
    c.audio("c").complete();
    for (int i = 3; i < chunkCount; i++) {
      tts.next().audio("x" + i).complete();
    }
    assertEquals(TurnOutcome.COMPLETED, turn.completion().join().outcome());
    assertEquals(List.of("a", "b", "c"), events.audioLabels().subList(0, 3));
  }

  @Test
  void aFailedChunkIsRetriedOnce() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.tokens("Hello there, nice to meet you.").complete();
    int chunkCount = chunksOf("Hello there, nice to meet you.").size();
    FakeTts.Synthesis first = tts.next();
    first.fail(serverError());
    List<FakeTts.Synthesis> others = new ArrayList<>();
    FakeTts.Synthesis retry = nextFor(first.request.text(), others);
    assertEquals(first.request, retry.request);
    retry.audio("ok").complete();
    for (FakeTts.Synthesis s : others) {
      s.audio("other").complete();
    }
    for (int i = 1 + others.size(); i < chunkCount; i++) {
      tts.next().audio("other").complete();
    }
    TurnResult result = turn.completion().join();
    assertEquals(1, result.metrics().ttsRetries());
    assertTrue(result.speechFailures().isEmpty());
    assertEquals("ok", events.audioLabels().get(0));
    assertEquals(1.0, registry.get("officehours.errors").tag("stage", "tts").counter().count());
  }

  /** The next synthesis of {@code text}; the calls for other chunks met on the way go to {@code others}. */
  FakeTts.Synthesis nextFor(String text, List<FakeTts.Synthesis> others) {
    while (true) {
      FakeTts.Synthesis s = tts.next();
      if (s.request.text().equals(text)) {
        return s;
      }
      others.add(s);
    }
  }

  @Test
  void aChunkThatFailsTwiceIsReportedAndTheTurnGoesOn() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(TWO_SENTENCES);
    stream.complete();
    List<String> chunks = chunksOf(TWO_SENTENCES);
    FakeTts.Synthesis c0 = tts.next();
    c0.fail(serverError());
    List<FakeTts.Synthesis> others = new ArrayList<>();
    FakeTts.Synthesis retry = nextFor(c0.request.text(), others);
    retry.fail(serverError());
    for (FakeTts.Synthesis s : others) {
      s.audio("later").complete();
    }
    for (int i = 1 + others.size(); i < chunks.size(); i++) {
      tts.next().audio("later").complete();
    }
    TurnResult result = turn.completion().join();
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(TWO_SENTENCES, result.text(), "text kept streaming");
    assertEquals(1, result.speechFailures().size());
    SpeechFailure failure = result.speechFailures().get(0);
    assertEquals(0, failure.chunkIndex());
    assertEquals(chunks.get(0), failure.text());
    assertEquals(OfficeHoursException.Stage.TTS, failure.error().stage());
    assertTrue(events.audio().stream().allMatch(f -> f.chunkIndex() > 0));
    assertEquals(2.0, registry.get("officehours.errors").tag("stage", "tts").counter().count());
  }

  @Test
  void cancelStopsEveryCallAndNothingFollowsOnCancelled() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(TWO_SENTENCES.substring(0, 60));
    FakeTts.Synthesis speaking = tts.next();
    speaking.audio("before");
    events.awaitAudioFrames(1);

    assertTrue(turn.cancel());
    assertFalse(turn.cancel(), "cancel is idempotent");
    assertTrue(stream.cancelled, "the LLM call was cancelled");
    assertTrue(speaking.cancelled, "the TTS call was cancelled");

    // a misbehaving provider that keeps talking after cancel is ignored
    stream.tokens(" more words.");
    speaking.audio("after").complete();
    TurnResult result = turn.completion().join();
    events.awaitTerminal();

    assertEquals(TurnOutcome.CANCELLED, result.outcome());
    List<TurnEvent> all = events.events();
    assertInstanceOf(TurnCancelled.class, all.get(all.size() - 1));
    assertEquals(1, events.terminalCount);
    assertEquals(List.of("before"), events.audioLabels());
    assertFalse(events.text().contains("more words"));
  }

  @Test
  void historyKeepsTheInterruptedAnswerOfACancelledTurn() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.tokens("Nine", " to", " five");
    events.await(e -> e instanceof TextDelta && ((TextDelta) e).text().equals(" five"));
    turn.cancel();
    TurnResult result = turn.completion().join();

    List<HistoryMessage> history = store.load("s1").join();
    assertEquals(2, history.size());
    assertEquals("Hours?", history.get(0).text());
    assertEquals("Nine to five", history.get(1).text());
    assertTrue(history.get(1).interrupted());
    assertEquals("Nine to five", result.text());
  }

  @Test
  void aNewTurnOfTheSameSessionBargesIn() {
    RecordingListener first = new RecordingListener();
    Turn t1 = pipeline.start(TurnRequest.of("s1", "Tell me a long story"), first);
    FakeLlm.Stream s1 = llm.nextStream();
    s1.tokens("Once", " upon", " a", " time");
    first.await(e -> e instanceof TextDelta && ((TextDelta) e).text().equals(" time"));

    RecordingListener second = new RecordingListener();
    Turn t2 = pipeline.start(TurnRequest.of("s1", "Stop, what time is it?"), second);
    assertTrue(s1.cancelled);
    assertEquals(TurnOutcome.CANCELLED, t1.completion().join().outcome());

    FakeLlm.Stream s2 = llm.nextStream();
    List<ChatMessage> sent = s2.request.messages();
    // system, the interrupted exchange (the model is told where it was cut off), the new question
    assertEquals("Tell me a long story", sent.get(1).text());
    assertEquals("Once upon a time " + PipelineTurn.INTERRUPTED_HERE, sent.get(2).text());
    assertEquals("Stop, what time is it?", sent.get(3).text());
    assertEquals(t2, pipeline.activeTurn("s1").orElseThrow());
    t2.cancel();
  }

  @Test
  void bargeInCanBeTurnedOff() {
    pipeline.close();
    pipeline = pipeline(ConversationPipeline.builder().cancelPreviousTurn(false));
    Turn t1 = pipeline.start(TurnRequest.of("s1", "First"), new RecordingListener());
    FakeLlm.Stream s1 = llm.nextStream();
    pipeline.start(TurnRequest.of("s1", "Second"), new RecordingListener());
    llm.nextStream();
    assertFalse(s1.cancelled);
    assertFalse(t1.completion().isDone());
    assertEquals(2, pipeline.activeTurns());
  }

  @Test
  void historyOfCompletedTurnsIsSentWithTheSystemPromptFirst() {
    pipeline.close();
    pipeline = pipeline(ConversationPipeline.builder().systemPrompt("Be brief."));
    Turn t1 = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    FakeLlm.Stream s1 = llm.nextStream();
    s1.tokens("Hello.").complete();
    tts.next().audio("x").complete();
    t1.completion().join();

    pipeline.start(TurnRequest.of("s1", "Again"), new RecordingListener());
    List<ChatMessage> sent = llm.nextStream().request.messages();
    assertEquals(List.of(ChatMessage.Role.SYSTEM, ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT,
        ChatMessage.Role.USER), sent.stream().map(ChatMessage::role).toList());
    assertEquals(List.of("Be brief.", "Hi", "Hello.", "Again"), sent.stream().map(ChatMessage::text).toList());
  }

  @Test
  void anAnswerWhoseQuestionWasTrimmedAwayIsNotSent() {
    store.append("s1", List.of(
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "orphaned answer", false, java.time.Instant.EPOCH),
        new HistoryMessage(ChatMessage.Role.USER, "Hi", false, java.time.Instant.EPOCH),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "Hello.", false, java.time.Instant.EPOCH))).join();
    pipeline.start(TurnRequest.of("s1", "Again"), new RecordingListener());
    List<ChatMessage> sent = llm.nextStream().request.messages();
    assertEquals(List.of(ChatMessage.Role.SYSTEM, ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT,
        ChatMessage.Role.USER), sent.stream().map(ChatMessage::role).toList());
  }

  @Test
  void visionTurnsUseTheSmallerTokenBudget() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
    pipeline.start(TurnRequest.builder("s1", "What is this?").image(png).build(), new RecordingListener());
    FakeLlm.Stream vision = llm.nextStream();
    assertEquals(300, vision.request.maxTokens());
    assertTrue(vision.request.hasImage());
    pipeline.start(TurnRequest.of("s2", "And this?"), new RecordingListener());
    assertEquals(500, llm.nextStream().request.maxTokens());
  }

  @Test
  void anLlmErrorFailsTheTurnWithTheProvidersException() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), events);
    ProviderException error = ProviderException.builder(OfficeHoursException.Stage.LLM, "chat failed")
        .status(401).errorCode("invalid_api_key").build();
    llm.nextStream().fail(error);
    CompletionException thrown = assertThrows(CompletionException.class, () -> turn.completion().join());
    assertSame(error, thrown.getCause());
    TurnFailed failed = (TurnFailed) events.awaitTerminal();
    assertSame(error, failed.error());
    assertEquals(1.0, registry.get("officehours.turns").tag("outcome", "failed").counter().count());
    assertTrue(store.load("s1").join().isEmpty(), "a failure before any text leaves history alone");
  }

  @Test
  void theTurnDeadlineFailsTheTurnAndCancelsItsCalls() {
    pipeline.close();
    ManualClock clock = new ManualClock();
    pipeline = pipeline(ConversationPipeline.builder().clock(clock).turnDeadline(Duration.ofSeconds(30)));
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), events);
    FakeLlm.Stream stream = llm.nextStream();
    clock.advance(Duration.ofSeconds(29));
    assertFalse(turn.completion().isDone());
    clock.advance(Duration.ofSeconds(1));
    TurnFailed failed = (TurnFailed) events.awaitTerminal();
    assertInstanceOf(TurnTimeoutException.class, failed.error());
    assertTrue(stream.cancelled);
    CompletionException thrown = assertThrows(CompletionException.class, () -> turn.completion().join());
    assertInstanceOf(TurnTimeoutException.class, thrown.getCause());
  }

  @Test
  void aProviderErrorRacingTheDeadlineIsStillATimeout() {
    pipeline.close();
    ManualClock clock = new ManualClock();
    pipeline = pipeline(ConversationPipeline.builder().clock(clock).turnDeadline(Duration.ofSeconds(30)));
    RecordingListener events = new RecordingListener();
    pipeline.start(TurnRequest.of("s1", "Hi"), events);
    FakeLlm.Stream stream = llm.nextStream();
    clock.jump(Duration.ofSeconds(30)); // the deadline has passed, its timer has not run yet
    ProviderException providerTimeout = ProviderException.builder(OfficeHoursException.Stage.LLM,
        "chat completion failed: deadline exceeded").build();
    stream.fail(providerTimeout);
    TurnFailed failed = (TurnFailed) events.awaitTerminal();
    assertInstanceOf(TurnTimeoutException.class, failed.error());
    assertSame(providerTimeout, failed.error().getCause());
  }

  @Test
  void idleTextIsSpokenWithoutWaitingForMoreTokens() {
    pipeline.close();
    ManualClock clock = new ManualClock();
    pipeline = pipeline(ConversationPipeline.builder().clock(clock)
        .chunker(new ChunkerSettings(8, 5, 20, 250, Duration.ofMillis(400))));
    RecordingListener events = new RecordingListener();
    pipeline.start(TurnRequest.of("s1", "Hi"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.tokens("Well");
    events.await(e -> e instanceof TextDelta);
    clock.awaitPending(2); // the turn deadline and the idle check
    clock.advance(Duration.ofMillis(399));
    assertTrue(tts.noPendingCall(), "spoken before the idle time had passed");
    clock.advance(Duration.ofMillis(1));
    FakeTts.Synthesis s = tts.next();
    assertEquals("Well", s.request.text());
    assertFalse(stream.cancelled);
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheTurn() {
    TurnListener throwing = new TurnListener() {
      @Override
      public void onText(TextDelta delta) {
        throw new IllegalStateException("listener bug");
      }
    };
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), throwing);
    llm.nextStream().tokens("Hi", " there.").complete();
    tts.next().audio("x").complete();
    assertEquals("Hi there.", turn.completion().join().text());
  }

  @Test
  void invalidRequestsFailBeforeAnyCallAndLeaveHistoryAlone() {
    assertEquals("text", assertThrows(InvalidRequestException.class, () -> TurnRequest.of("s1", " ")).field());
    assertEquals("text", assertThrows(InvalidRequestException.class, () -> TurnRequest.of("s1", null)).field());
    assertEquals("sessionId",
        assertThrows(InvalidRequestException.class, () -> TurnRequest.of("bad id!", "Hi")).field());
    assertEquals("sessionId",
        assertThrows(InvalidRequestException.class, () -> TurnRequest.of("x".repeat(129), "Hi")).field());
    InvalidRequestException tooLong = assertThrows(InvalidRequestException.class,
        () -> pipeline.start(TurnRequest.of("s1", "x".repeat(4001)), new RecordingListener()));
    assertTrue(tooLong.getMessage().contains("4001"), tooLong.getMessage());
    assertEquals(OfficeHoursException.Stage.VALIDATION, tooLong.stage());
    InvalidRequestException notImage = assertThrows(InvalidRequestException.class,
        () -> pipeline.start(TurnRequest.builder("s1", "What is it?").image("hello".getBytes()).build(),
            new RecordingListener()));
    assertEquals("image", notImage.field());
    byte[] huge = new byte[10 * 1024 * 1024 + 1];
    huge[0] = (byte) 0xFF;
    huge[1] = (byte) 0xD8;
    huge[2] = (byte) 0xFF;
    InvalidRequestException tooBig = assertThrows(InvalidRequestException.class,
        () -> pipeline.start(TurnRequest.builder("s1", "What?").image(huge).build(), new RecordingListener()));
    assertTrue(tooBig.getMessage().contains("10485761"), tooBig.getMessage());

    assertTrue(llm.streams.isEmpty(), "no LLM call was made");
    assertTrue(store.load("s1").join().isEmpty());
    assertEquals(0, pipeline.activeTurns());
  }

  @Test
  void metricsRecordEveryStage() {
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello", " there.").complete();
    tts.next().audio("x").complete();
    turn.completion().join();

    MetricsSnapshot snap = metrics.snapshot();
    assertEquals(1L, snap.turns().get(TurnOutcome.COMPLETED));
    assertEquals(0, snap.activeTurns());
    assertEquals(1, snap.timeToFirstToken().count());
    assertEquals(1, snap.timeToFirstAudio().count());
    assertEquals(1, snap.ttsTimeToFirstByte().count());
    assertEquals(1, snap.turnDuration().count());
    assertEquals(1, registry.get("officehours.tts.duration").tag("source", "live").timer().count());
    assertEquals(0.0, registry.get("officehours.turns.active").gauge().value());
  }

  @Test
  void theActiveTurnGaugeCountsTurnsInFlight() throws Exception {
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    FakeLlm.Stream stream = llm.nextStream();
    assertEquals(1.0, registry.get("officehours.turns.active").gauge().value());
    assertEquals(1, pipeline.activeTurns());
    stream.complete();
    turn.completion().get(10, TimeUnit.SECONDS);
    assertEquals(0.0, registry.get("officehours.turns.active").gauge().value());
    assertEquals(0, pipeline.activeTurns());
  }

  @Test
  void aPipelineWithoutTtsStreamsTextOnly() {
    pipeline.close();
    pipeline = ConversationPipeline.builder().llm(llm).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), events);
    llm.nextStream().tokens("Hello", " there.").complete();
    assertEquals("Hello there.", turn.completion().join().text());
    assertTrue(events.audio().isEmpty());
    assertTrue(tts.noPendingCall());
  }

  /**
   * Live platform threads, but for listener-callback threads: those grow with callbacks running
   * at once (a burst of 500 first tokens), not with turns waiting, and idle ones end after 30 s.
   */
  static long liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith("officehours-callbacks-"))
        .count();
  }

  @Test
  void turnsWaitingOnTheNetworkHoldNoThread() {
    long before = liveThreads();
    for (int i = 0; i < 500; i++) {
      pipeline.start(TurnRequest.of("s" + i, "Hi"), new RecordingListener());
    }
    for (int i = 0; i < 500; i++) {
      llm.nextStream().tokens("Thinking"); // every turn has started and is now waiting
    }
    assertEquals(500, pipeline.activeTurns());
    long added = liveThreads() - before;
    // the shared turn pool (one worker per core), the timer, and a little slack for the JVM
    // (carriers of virtual threads on Java 21+ are one per core)
    int cores = Runtime.getRuntime().availableProcessors();
    assertTrue(added <= 2 * Math.max(2, cores) + 4,
        "500 waiting turns added " + added + " threads");
  }

  @Test
  void theBuilderNamesTheValueItRejects() {
    ConversationPipeline.Builder b = ConversationPipeline.builder();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.ttsConcurrency(0)).getMessage().contains("0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.maxTokens(-5)).getMessage().contains("-5"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.turnDeadline(Duration.ZERO))
        .getMessage().contains("turnDeadline"));
    assertTrue(assertThrows(IllegalStateException.class, b::build).getMessage().contains("llm"));
  }

  /** A store whose appends are held until the test releases them, like a slow Redis. */
  static final class HeldStore implements dev.officehours.history.ConversationStore {
    final InMemoryConversationStore delegate = InMemoryConversationStore.create();
    final java.util.concurrent.CountDownLatch appendCalled = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();

    @Override
    public java.util.concurrent.CompletableFuture<List<HistoryMessage>> load(String session) {
      return delegate.load(session);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> append(String session, List<HistoryMessage> m) {
      appendCalled.countDown();
      return release.thenCompose(v -> delegate.append(session, m));
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> clear(String session) {
      return delegate.clear(session);
    }
  }

  @Test
  void aFollowUpStartedWhileThePreviousTurnWritesItsHistorySeesThatHistory() throws Exception {
    pipeline.close();
    HeldStore held = new HeldStore();
    pipeline = ConversationPipeline.builder().llm(llm).conversationStore(held).build();
    pipeline.start(TurnRequest.of("s1", "What are your hours?"), new RecordingListener());
    llm.nextStream().tokens("Nine", " to", " five", ".").complete();
    assertTrue(held.appendCalled.await(10, TimeUnit.SECONDS));
    // the first turn has its whole answer; its history write is still in flight
    pipeline.start(TurnRequest.of("s1", "And on Saturday?"), new RecordingListener());
    held.release.complete(null);
    List<ChatMessage> sent = llm.nextStream().request.messages();
    assertEquals(List.of("What are your hours?", "Nine to five.", "And on Saturday?"),
        sent.subList(1, sent.size()).stream().map(ChatMessage::text).toList());
  }

  @Test
  void noBufferedFrameIsDeliveredOnceCancelReturned() {
    List<String> afterCancel = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicReference<Turn> handle = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
    RecordingListener events = new RecordingListener();
    TurnListener bargingIn = TurnListener.of(e -> {
      if (cancelled.get() && !e.terminal()) {
        afterCancel.add(e.toString());
      }
      if (e instanceof AudioFrame f) {
        events.onAudio(f);
        if (f.chunkIndex() == 1 && f.frameIndex() == 0) {
          // barge-in while chunk 1's buffered frames are being handed over
          assertTrue(handle.get().cancel());
          cancelled.set(true);
        }
      } else if (e instanceof TurnCancelled c) {
        events.onCancelled(c);
      }
    });
    handle.set(pipeline.start(TurnRequest.of("s1", "Hours?"), bargingIn));
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(TWO_SENTENCES);
    stream.complete();
    FakeTts.Synthesis c0 = tts.next();
    FakeTts.Synthesis c1 = tts.next();
    c1.audio("c1-a").audio("c1-b").audio("c1-c").complete();
    c0.audio("c0-a");
    events.awaitAudioFrames(1);
    c0.complete();
    events.awaitTerminal();
    assertEquals(List.of(), afterCancel, "events delivered after cancel() returned true");
  }

  @Test
  void closeLetsCancelledTurnsFinishTheirHistoryAndEndOnce() throws Exception {
    pipeline.close();
    HeldStore held = new HeldStore();
    pipeline = ConversationPipeline.builder().llm(llm).conversationStore(held).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().tokens("Nine");
    events.await(e -> e instanceof TextDelta);
    java.util.concurrent.CompletableFuture<Void> closing =
        java.util.concurrent.CompletableFuture.runAsync(pipeline::close);
    assertTrue(held.appendCalled.await(10, TimeUnit.SECONDS));
    held.release.complete(null);
    assertEquals(TurnOutcome.CANCELLED, turn.completion().get(10, TimeUnit.SECONDS).outcome());
    closing.get(10, TimeUnit.SECONDS);
    assertInstanceOf(TurnCancelled.class, events.awaitTerminal());
    assertEquals(1, events.terminalCount);
    assertEquals(List.of("Hours?", "Nine"),
        held.delegate.load("s1").join().stream().map(HistoryMessage::text).toList());
    assertThrows(dev.officehours.errors.PipelineClosedException.class,
        () -> pipeline.start(TurnRequest.of("s1", "Again?"), new RecordingListener()));
  }

  @Test
  void timeToFirstTokenOfACachedAnswerIsRecordedAsFromTheCache() {
    pipeline.close();
    pipeline = ConversationPipeline.builder().llm(llm).conversationStore(store).observer(metrics)
        .answerCache(dev.officehours.cache.AnswerCache.builder(
            dev.officehours.cache.CaffeineCacheStore.create()).statelessFaq(true).build())
        .build();
    Turn live = pipeline.start(TurnRequest.of("s1", "Hours?"), new RecordingListener());
    llm.nextStream().tokens("Nine", " to five.").complete();
    live.completion().join();
    Turn cached = pipeline.start(TurnRequest.of("s2", "Hours?"), new RecordingListener());
    assertTrue(cached.completion().join().answerFromCache());
    assertEquals(1, registry.get("officehours.llm.ttft").tag("source", "live").timer().count());
    assertEquals(1, registry.get("officehours.llm.ttft").tag("source", "cache").timer().count());
  }

  static ProviderException serverError() {
    return ProviderException.builder(OfficeHoursException.Stage.TTS, "speech failed")
        .status(503).retryable(true).build();
  }
}
