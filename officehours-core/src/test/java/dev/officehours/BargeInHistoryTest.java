package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeechChunker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Barge-in keeps in history what the user heard, not what the pipeline sent. */
class BargeInHistoryTest {
  static final String ANSWER =
      "Our office hours are from nine to five. On Saturdays we open from ten until two in the afternoon.";
  static final ChunkerSettings ONE_SENTENCE_FIRST = new ChunkerSettings(8, 50, 20, 250, Duration.ofMillis(400));

  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final InMemoryConversationStore store = InMemoryConversationStore.create();
  final ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts)
      .conversationStore(store).chunker(ONE_SENTENCE_FIRST).build();

  @AfterEach
  void close() {
    pipeline.close();
  }

  static List<String> rawChunks(String text) {
    List<String> out = new ArrayList<>();
    SpeechChunker c = new SpeechChunker(ONE_SENTENCE_FIRST);
    c.append(text, out::add);
    c.flush(out::add);
    return out;
  }

  static byte[] pcm(Duration d) {
    return new byte[(int) (48_000 * d.toMillis() / 1000)];
  }

  List<HistoryMessage> history() {
    return store.load("s1").join();
  }

  @Test
  void historyKeepsTheChunksPlayedAndThePlayedShareOfTheOnePlaying() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), events);
    llm.nextStream().words(ANSWER).complete();
    FakeTts.Synthesis first = tts.next();
    FakeTts.Synthesis second = tts.next();
    first.sink.onAudio(pcm(Duration.ofSeconds(2)));
    first.complete();
    second.sink.onAudio(pcm(Duration.ofSeconds(4)));
    second.complete();
    events.awaitAudioFrames(2);

    // Everything was sent and stored; the caller was still playing the second chunk.
    assertEquals(TurnOutcome.COMPLETED, turn.completion().join().outcome());
    assertTrue(turn.interrupt(PlaybackPosition.of(1, Duration.ofSeconds(1))));
    assertFalse(turn.interrupt(PlaybackPosition.of(1, Duration.ofSeconds(2))), "amended once only");
    // the session's next turn reads history once the amendment is done
    pipeline.start(TurnRequest.of("s1", "Pardon?"), new RecordingListener());
    llm.nextStream();

    List<String> raw = rawChunks(ANSWER);
    String secondRaw = raw.get(1);
    String expected = (raw.get(0) + SpeechScheduler.cutAtWord(secondRaw, secondRaw.length() / 4)).strip();
    List<HistoryMessage> history = history();
    assertEquals("When are you open?", history.get(0).text());
    assertEquals(expected, history.get(1).text());
    assertTrue(history.get(1).interrupted());
    assertTrue(ANSWER.startsWith(expected) && Character.isWhitespace(ANSWER.charAt(expected.length())),
        "cut at a word boundary: '" + expected + "'");
    assertTrue(expected.length() > raw.get(0).strip().length());
  }

  @Test
  void theNextTurnTellsTheModelWhereItsAnswerWasCutOff() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), events);
    llm.nextStream().words(ANSWER).complete();
    FakeTts.Synthesis first = tts.next();
    first.sink.onAudio(pcm(Duration.ofSeconds(2)));
    first.complete();
    tts.next().audio("x");
    // the second chunk's audio goes out only once the first has ended: all of it was heard
    events.awaitAudioFrames(2);
    turn.interrupt(PlaybackPosition.of(0, Duration.ofSeconds(2)));
    turn.completion().join();

    pipeline.start(TurnRequest.of("s1", "Sorry, what?"), new RecordingListener());
    List<ChatMessage> sent = llm.nextStream().request.messages();
    assertEquals("Our office hours are from nine to five. " + PipelineTurn.INTERRUPTED_HERE,
        sent.get(2).text());
  }

  @Test
  void nothingPlayedKeepsAnEmptyInterruptedAnswerThatTheModelIsToldOf() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), events);
    llm.nextStream().words(ANSWER).complete();
    events.await(e -> events.text().equals(ANSWER));
    turn.interrupt(PlaybackPosition.NOTHING_PLAYED);
    assertEquals(ANSWER, turn.completion().join().text(), "the result still holds what was sent");
    List<HistoryMessage> history = history();
    assertEquals(2, history.size());
    assertEquals("", history.get(1).text());
    assertTrue(history.get(1).interrupted());

    pipeline.start(TurnRequest.of("s1", "Hello?"), new RecordingListener());
    List<ChatMessage> sent = llm.nextStream().request.messages();
    assertEquals(PipelineTurn.INTERRUPTED_BEFORE_HEARD, sent.get(2).text());
  }

  @Test
  void aPositionPastWhatWasDeliveredCountsOnlyWhatWasDelivered() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), events);
    llm.nextStream().words(ANSWER).complete();
    FakeTts.Synthesis first = tts.next();
    first.sink.onAudio(pcm(Duration.ofSeconds(2)));
    first.complete();
    events.awaitAudioFrames(1);
    turn.interrupt(PlaybackPosition.of(7, Duration.ofSeconds(30)));
    turn.completion().join();
    assertEquals(rawChunks(ANSWER).get(0).strip(), history().get(1).text());
  }

  @Test
  void cancellingBeforeTheFirstTokenStoresNothing() {
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), new RecordingListener());
    FakeLlm.Stream stream = llm.nextStream();
    turn.cancel();
    assertTrue(stream.awaitCancelled());
    turn.completion().join();
    assertTrue(history().isEmpty(), "history: " + history());
  }

  @Test
  void plainCancelKeepsWhatWasSent() {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), events);
    llm.nextStream().tokens("Our office", " hours are");
    events.await(e -> e instanceof TextDelta && ((TextDelta) e).text().equals(" hours are"));
    turn.cancel();
    turn.completion().join();
    assertEquals("Our office hours are", history().get(1).text());
    assertTrue(history().get(1).interrupted());
  }

  @Test
  void interruptAfterAFailureChangesNothing() {
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello").fail(new dev.officehours.errors.OfficeHoursException(
        dev.officehours.errors.OfficeHoursException.Stage.LLM, "gone"));
    org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
        () -> turn.completion().join());
    assertFalse(turn.interrupt(PlaybackPosition.NOTHING_PLAYED));
    assertEquals("Hello", history().get(1).text());
  }

  @Test
  void aLaterExchangeIsNeverOverwrittenByALateInterrupt() {
    Turn first = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello.").complete();
    tts.next().audio("a").complete();
    first.completion().join();
    Turn second = pipeline.start(TurnRequest.of("s1", "Bye"), new RecordingListener());
    llm.nextStream().tokens("Goodbye.").complete();
    tts.next().audio("b").complete();
    second.completion().join();
    assertFalse(first.interrupt(PlaybackPosition.NOTHING_PLAYED), "not the session's latest turn");
    assertEquals(List.of("Hi", "Hello.", "Bye", "Goodbye."),
        history().stream().map(HistoryMessage::text).toList());
  }

  @Test
  void cuttingAtAWordNeverSplitsOne() {
    assertEquals("one two ", SpeechScheduler.cutAtWord("one two three", 10));
    assertEquals("one two ", SpeechScheduler.cutAtWord("one two three", 8));
    assertEquals("one two", SpeechScheduler.cutAtWord("one two three", 7));
    assertEquals("", SpeechScheduler.cutAtWord("one two three", 2));
    assertEquals("one two three", SpeechScheduler.cutAtWord("one two three", 13));
    assertEquals("one two three", SpeechScheduler.cutAtWord("one two three", 99));
  }

  @Test
  void aPlaybackPositionNamesItsBadValue() {
    assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> PlaybackPosition.of(-2, Duration.ZERO)).getMessage().contains("-2"));
    assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> PlaybackPosition.of(0, Duration.ofMillis(-1))).getMessage().contains("played"));
  }

  @Test
  void aLateInterruptNeverTrimsALaterTurnsIdenticalAnswer() {
    Turn first = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete();
    tts.next().audio("a").complete();
    first.completion().join();
    Turn second = pipeline.start(TurnRequest.of("s1", "Hi again"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete(); // the same answer, as a cache would give
    tts.next().audio("b").complete();
    second.completion().join();
    assertFalse(first.interrupt(PlaybackPosition.NOTHING_PLAYED), "not the session's latest turn");
    assertEquals(List.of("Hi", "Hello there.", "Hi again", "Hello there."),
        history().stream().map(HistoryMessage::text).toList());
  }

  @Test
  void aLateInterruptNeverTrimsWhileALaterTurnIsInFlight() {
    Turn first = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete();
    tts.next().audio("a").complete();
    first.completion().join();
    Turn second = pipeline.start(TurnRequest.of("s1", "Hi again"), new RecordingListener());
    FakeLlm.Stream answer = llm.nextStream();
    assertFalse(first.interrupt(PlaybackPosition.NOTHING_PLAYED), "a later turn is in flight");
    answer.tokens("Hello again.").complete();
    tts.next().audio("b").complete();
    second.completion().join();
    assertEquals(List.of("Hi", "Hello there.", "Hi again", "Hello again."),
        history().stream().map(HistoryMessage::text).toList());
  }

  @Test
  void anOlderOverlappingTurnThatEndsLastIsNotTheLatest() {
    try (ConversationPipeline overlapping = ConversationPipeline.builder().llm(llm).tts(tts)
        .conversationStore(store).chunker(ONE_SENTENCE_FIRST).cancelPreviousTurn(false).build()) {
      Turn older = overlapping.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
      FakeLlm.Stream olderAnswer = llm.nextStream();
      Turn newer = overlapping.start(TurnRequest.of("s1", "Hi again"), new RecordingListener());
      llm.nextStream().tokens("Hello again.").complete();
      tts.next().audio("b").complete();
      newer.completion().join();
      olderAnswer.tokens("Hello there.").complete();
      tts.next().audio("a").complete();
      assertEquals(TurnOutcome.COMPLETED, older.completion().join().outcome());

      assertFalse(older.interrupt(PlaybackPosition.NOTHING_PLAYED), "the newer turn started later");
      assertTrue(newer.interrupt(PlaybackPosition.NOTHING_PLAYED), "the newest may still amend");
    }
  }
}
