package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.llm.ToolChoice;
import dev.officehours.llm.ToolDefinition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The answer cache and tools: an answer is never replayed into another tool context. */
class AnswerCacheToolsTest {
  private static final String SYSTEM = "You are the front desk.";
  private static final String DAY_SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"day\":{\"type\":\"string\"}}}";
  private static final ToolDefinition HOURS =
      new ToolDefinition("check_office_hours", "Free office-hour slots on a day", DAY_SCHEMA);
  private static final ToolDefinition BOOK =
      new ToolDefinition("book_slot", "Books a slot", "{\"type\":\"object\",\"properties\":{}}");

  private final ScriptedLlm llm = new ScriptedLlm();
  private final CountingObserver observer = new CountingObserver();
  private final CaffeineCacheStore store = CaffeineCacheStore.create();
  private final AnswerCache cache = AnswerCache.builder(store).build();

  private static ChatRequest.Builder ask(List<ChatMessage> earlier, String question) {
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(ChatMessage.system(SYSTEM));
    messages.addAll(earlier);
    messages.add(ChatMessage.user(question));
    return ChatRequest.builder(messages).maxTokens(500);
  }

  private String key(ChatRequest.Builder request) {
    return cache.key(llm, request.build()).orElseThrow();
  }

  /** The turn of an earlier question in which the model called a tool and then answered. */
  private static List<ChatMessage> toolTurn(String id, String name, String arguments,
      String resultId, String result) {
    return List.of(ChatMessage.user("When are office hours?"),
        ChatMessage.assistant("", List.of(new ToolCallRequest(0, id, name, arguments))),
        ChatMessage.toolResult(resultId, result),
        ChatMessage.assistant("Tomorrow from ten to twelve."));
  }

  // ---------------------------------------------------------------- the key

  @Test
  void aRequestWithoutToolsKeepsTheKeyItHadBeforeToolsExisted() {
    // computed by the recipe before tools were added: upgrading leaves stored answers usable
    ChatRequest.Builder request = ask(List.of(ChatMessage.user("When are you open?"),
        ChatMessage.assistant("Nine to five.")), "And on Saturdays?").temperature(0.3);
    assertEquals("answer:v2:453d6093911d596c66f0a0e87a40589f52e2e3d5c3330fc072230426016673ed",
        key(request));
    assertEquals("answer:v2:5c479f3b608dd613b5bd2af500740184f4d4a6335ed0c983d699c48a2ea60020",
        AnswerCache.builder(store).statelessFaq(true).build().key(llm, request.build())
            .orElseThrow());
  }

  @Test
  void everyPartOfTheOfferedToolsAndTheToolChoiceIsInTheKey() {
    List<ChatMessage> none = List.of();
    List<String> keys = List.of(
        key(ask(none, "Hours?")),
        key(ask(none, "Hours?").tools(List.of(HOURS))),
        key(ask(none, "Hours?").tools(List.of(HOURS, BOOK))),
        key(ask(none, "Hours?").tools(List.of(BOOK, HOURS))),
        key(ask(none, "Hours?").tools(List.of(new ToolDefinition("check_hours",
            HOURS.description(), DAY_SCHEMA)))),
        key(ask(none, "Hours?").tools(List.of(new ToolDefinition(HOURS.name(),
            "Office hours", DAY_SCHEMA)))),
        key(ask(none, "Hours?").tools(List.of(new ToolDefinition(HOURS.name(),
            HOURS.description(), "{\"type\":\"object\",\"properties\":{\"date\":{}}}")))),
        key(ask(none, "Hours?").tools(List.of(HOURS)).toolChoice(ToolChoice.NONE)),
        key(ask(none, "Hours?").tools(List.of(HOURS)).toolChoice(ToolChoice.REQUIRED)));
    assertEquals(keys.size(), new HashSet<>(keys).size(), "all different: " + keys);
    assertEquals(key(ask(none, "Hours?").tools(List.of(HOURS))),
        key(ask(none, "  hours ").tools(List.of(HOURS)).toolChoice(ToolChoice.AUTO)),
        "the same question with the same tools still shares its answer");
  }

  @Test
  void statelessFaqStillKeysOnTheOfferedTools() {
    AnswerCache faq = AnswerCache.builder(store).statelessFaq(true).build();
    assertFalse(faq.key(llm, ask(List.of(), "Hours?").build())
        .equals(faq.key(llm, ask(List.of(), "Hours?").tools(List.of(HOURS)).build())));
  }

  @Test
  void theToolCallsAndResultsOfEarlierTurnsAreInTheContext() {
    Set<String> keys = new HashSet<>();
    List<List<ChatMessage>> contexts = List.of(
        List.of(ChatMessage.user("When are office hours?"),
            ChatMessage.assistant("Tomorrow from ten to twelve.")),
        toolTurn("call_1", "check_office_hours", "{\"day\":\"tomorrow\"}", "call_1", "10-12"),
        toolTurn("call_2", "check_office_hours", "{\"day\":\"tomorrow\"}", "call_2", "10-12"),
        toolTurn("call_1", "book_slot", "{\"day\":\"tomorrow\"}", "call_1", "10-12"),
        toolTurn("call_1", "check_office_hours", "{\"day\":\"today\"}", "call_1", "10-12"),
        toolTurn("call_1", "check_office_hours", "{\"day\":\"tomorrow\"}", "call_1", "14-16"),
        toolTurn("call_1", "check_office_hours", "{\"day\":\"tomorrow\"}", "call_9", "10-12"));
    for (List<ChatMessage> context : contexts) {
      keys.add(key(ask(context, "And the day after?")));
    }
    assertEquals(contexts.size(), keys.size(), "every context has its own key");
  }

  @Test
  void aRoundAfterAToolResultIsNeverCached() {
    ChatRequest round = ChatRequest.builder(List.of(ChatMessage.system(SYSTEM),
        ChatMessage.user("When are office hours?"),
        ChatMessage.assistant("", List.of(new ToolCallRequest(0, "call_1", "check_office_hours",
            "{}"))),
        ChatMessage.toolResult("call_1", "10-12"))).tools(List.of(HOURS)).build();
    assertEquals(Optional.empty(), cache.key(llm, round));
  }

  // ---------------------------------------------------------------- what is stored

  /** Asks through the cache, completes the live stream with {@code completion}, commits. */
  private void turn(LlmProvider cached, ChatRequest request, String text,
      LlmCompletion completion) throws Exception {
    RecordingLlmListener l = new RecordingLlmListener();
    LlmCall call = cached.stream(request, l);
    ScriptedLlm.Stream s = llm.next();
    if (!text.isEmpty()) {
      s.listener.onToken(text);
    }
    s.listener.onComplete(completion);
    assertEquals(completion, l.await());
    call.commit();
  }

  @Test
  void aCompletionThatCallsToolsIsNeverStored() throws Exception {
    LlmProvider cached = cache.wrap(llm, observer);
    ChatRequest request = ask(List.of(), "When are office hours tomorrow?")
        .tools(List.of(HOURS)).build();
    ToolCallRequest call = new ToolCallRequest(0, "call_1", "check_office_hours",
        "{\"day\":\"tomorrow\"}");
    TokenUsage usage = new TokenUsage(5, 5, 10);
    // OpenAI's way, a server that says stop but calls, and one that says tool_calls but sends none
    turn(cached, request, "One moment, let me check.",
        new LlmCompletion("tool_calls", usage, "model-a", false, List.of(call)));
    turn(cached, request, "One moment.", new LlmCompletion("stop", usage, "model-a", false,
        List.of(call)));
    turn(cached, request, "One moment.", new LlmCompletion("tool_calls", usage, "model-a", false));
    assertEquals(0, store.entryCount(), "the words before a call are not an answer");
    assertEquals(3, llm.started.get());
    assertEquals(3, observer.count("miss:answer"));
  }

  @Test
  void anAnswerGivenWithToolsOfferedIsReplayedOnlyWithTheSameTools() throws Exception {
    LlmProvider cached = cache.wrap(llm, observer);
    ChatRequest withTools = ask(List.of(), "Where is the library?").tools(List.of(HOURS)).build();
    turn(cached, withTools, "Next to the gym.",
        new LlmCompletion("stop", new TokenUsage(5, 5, 10), "model-a", false));
    assertEquals(1, store.entryCount());

    RecordingLlmListener again = new RecordingLlmListener();
    cached.stream(withTools, again);
    assertTrue(again.await().fromCache());
    assertEquals("Next to the gym.", again.text());

    RecordingLlmListener otherTools = new RecordingLlmListener();
    cached.stream(ask(List.of(), "Where is the library?").tools(List.of(HOURS, BOOK)).build(),
        otherTools);
    RecordingLlmListener noTools = new RecordingLlmListener();
    cached.stream(ask(List.of(), "Where is the library?").build(), noTools);
    assertEquals(3, llm.started.get(), "other tools, or none, went to the LLM");
    assertEquals(1, observer.count("hit:answer"));
  }
}
