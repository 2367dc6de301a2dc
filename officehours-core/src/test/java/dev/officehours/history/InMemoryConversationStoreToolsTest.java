package dev.officehours.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ToolCallRequest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory history and the messages of a turn that used tools. */
class InMemoryConversationStoreToolsTest {
  private static final Instant AT = Instant.parse("2026-11-24T08:00:00Z");
  private static final HistoryMessage QUESTION =
      new HistoryMessage(ChatMessage.Role.USER, "When are office hours tomorrow?", false, AT);
  private static final HistoryMessage CALLS = new HistoryMessage(ChatMessage.Role.ASSISTANT,
      "Let me check.", false, AT, List.of(new ToolCallRequest(0, "call_1",
          "check_office_hours", "{\"day\":\"tomorrow\"}")), "");
  private static final HistoryMessage RESULT = new HistoryMessage(ChatMessage.Role.TOOL,
      "{\"slots\":[\"10:00\"]}", false, AT, List.of(), "call_1");
  private static final HistoryMessage ANSWER =
      new HistoryMessage(ChatMessage.Role.ASSISTANT, "Tomorrow at ten.", false, AT);

  private static HistoryMessage heard(String text) {
    return new HistoryMessage(ChatMessage.Role.ASSISTANT, text, true, AT);
  }

  @Test
  void toolCallsAndResultsAreKeptAsTheyWereAppended() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    store.append("s", List.of(QUESTION, CALLS, RESULT, ANSWER)).join();
    assertEquals(List.of(QUESTION, CALLS, RESULT, ANSWER), store.load("s").join());
  }

  @Test
  void anAssistantMessageThatCalledToolsIsNeverReplacedAsAnAnswer() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    store.append("s", List.of(QUESTION, CALLS)).join();
    assertFalse(store.replaceLastAnswer("s", "Let me check.", heard("Let me")).join());
    assertEquals(List.of(QUESTION, CALLS), store.load("s").join());
  }

  @Test
  void aToolResultIsNeverReplacedAsAnAnswer() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    store.append("s", List.of(QUESTION, CALLS, RESULT)).join();
    assertFalse(store.replaceLastAnswer("s", RESULT.text(), heard("{")).join());
    assertEquals(List.of(QUESTION, CALLS, RESULT), store.load("s").join());
  }

  @Test
  void theAnswerAfterAToolRoundIsReplacedLeavingTheRoundAsItWas() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    store.append("s", List.of(QUESTION, CALLS, RESULT, ANSWER)).join();
    assertTrue(store.replaceLastAnswer("s", "Tomorrow at ten.", heard("Tomorrow")).join());
    assertEquals(List.of(QUESTION, CALLS, RESULT, heard("Tomorrow")), store.load("s").join());
  }
}
