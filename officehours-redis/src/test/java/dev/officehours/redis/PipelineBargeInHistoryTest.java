package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.PlaybackPosition;
import dev.officehours.Turn;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeechChunker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Barge-in reported after a turn was stored whole, with the history in a real Redis. */
@ExtendWith(RedisExtension.class)
class PipelineBargeInHistoryTest {
  private final FaqLlm llm = new FaqLlm();
  private final PcmTts tts = new PcmTts();

  @AfterEach
  void close() {
    llm.close();
    tts.close();
  }

  private static String firstChunk(String answer) {
    List<String> chunks = new ArrayList<>();
    SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    chunker.append(answer, chunks::add);
    chunker.flush(chunks::add);
    return chunks.get(0).strip();
  }

  @Test
  void theNextTurnIsToldOnlyWhatWasHeardOfAnAnswerStoredWhole(RedisServerProcess server) throws Exception {
    String question = "When are you open?";
    String answer = FaqLlm.answer(question);
    try (OfficeHoursRedis redis = OfficeHoursRedis.connect(server.uri());
        OfficeHoursRedis otherMachine = OfficeHoursRedis.connect(server.uri());
        PipelineHarness app = new PipelineHarness(llm, tts, CaffeineCacheStore.create(),
            RedisConversationStore.builder(redis).nearCache(Duration.ofMinutes(1), 100).build())) {
      Turn turn = app.pipeline.start(TurnRequest.of("s", question), new TurnListener() {});
      TurnResult result = turn.completion().get(20, TimeUnit.SECONDS);
      assertEquals(TurnOutcome.COMPLETED, result.outcome());
      assertEquals(answer, result.text(), "the whole answer was sent and stored");

      // PcmTts speaks every chunk in 100 ms: the caller had played half of the first one
      assertTrue(turn.interrupt(PlaybackPosition.of(0, Duration.ofMillis(50))));
      app.say("s", "Pardon?");

      List<HistoryMessage> history = otherMachine.conversationStore().load("s").get(5, TimeUnit.SECONDS);
      assertEquals(List.of(question, "Pardon?"),
          List.of(history.get(0).text(), history.get(2).text()), "history: " + history);
      HistoryMessage heard = history.get(1);
      assertEquals(ChatMessage.Role.ASSISTANT, heard.role());
      assertTrue(heard.interrupted(), "marked interrupted");
      String first = firstChunk(answer);
      assertFalse(heard.text().isEmpty());
      assertTrue(first.startsWith(heard.text()) && heard.text().length() < first.length(),
          "part of the first chunk '" + first + "', was '" + heard.text() + "'");
      assertTrue(Character.isWhitespace(answer.charAt(heard.text().length())), "cut at a word boundary");

      List<ChatMessage> prompt = new ArrayList<>(llm.requests).get(1).messages().stream()
          .filter(m -> m.role() != ChatMessage.Role.SYSTEM).toList();
      assertEquals(List.of(ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT, ChatMessage.Role.USER),
          prompt.stream().map(ChatMessage::role).toList());
      String told = prompt.get(1).text();
      assertTrue(told.startsWith(heard.text() + " [the answer was cut off here"),
          "the model is told where its answer was cut off: " + told);
      assertFalse(told.contains(answer.substring(heard.text().length()).strip()), "nothing unheard: " + told);
    }
  }
}
