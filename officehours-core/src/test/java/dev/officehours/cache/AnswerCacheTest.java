package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ContentPart;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class AnswerCacheTest {
  private static final String SYSTEM = "You are the front desk.";
  private final ScriptedLlm llm = new ScriptedLlm();
  private final CountingObserver observer = new CountingObserver();
  private final CaffeineCacheStore store = CaffeineCacheStore.create();

  private static ChatRequest ask(String question, String... earlier) {
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(ChatMessage.system(SYSTEM));
    for (int i = 0; i < earlier.length; i++) {
      messages.add(i % 2 == 0 ? ChatMessage.user(earlier[i]) : ChatMessage.assistant(earlier[i]));
    }
    messages.add(ChatMessage.user(question));
    return ChatRequest.builder(messages).maxTokens(500).build();
  }

  /**
   * A turn that completes: asks through the cache, answers with {@code liveAnswer} when it reaches
   * the LLM, and commits as the pipeline does once every chunk was spoken.
   */
  private RecordingLlmListener turn(LlmProvider cached, ChatRequest request, String liveAnswer)
      throws Exception {
    int before = llm.started.get();
    RecordingLlmListener listener = new RecordingLlmListener();
    LlmCall call = cached.stream(request, listener);
    // the in-memory store answers at once: a miss has reached the LLM when stream() returns
    if (llm.started.get() > before) {
      llm.next().answer(liveAnswer, "stop");
    }
    listener.await();
    call.commit();
    return listener;
  }

  @Test
  void aRepeatedQuestionIsReplayedAsATokenStreamMarkedFromCache() throws Exception {
    LlmProvider cached = AnswerCache.builder(store).build().wrap(llm, observer);
    RecordingLlmListener first = turn(cached, ask("What are your office hours?"), "Nine to five, Monday to Friday.");
    assertFalse(first.await().fromCache());

    RecordingLlmListener second = turn(cached, ask("  what are your OFFICE hours "), "never asked");
    LlmCompletion c = second.await();
    assertTrue(c.fromCache());
    assertEquals("stop", c.finishReason());
    assertEquals("model-a", c.model());
    assertEquals("Nine to five, Monday to Friday.", second.text());
    assertTrue(second.tokens.size() > 1, "replayed as several tokens: " + second.tokens);
    assertFalse(second.threads.contains(Thread.currentThread().getName()), "not on the caller's thread");
    assertEquals(1, llm.started.get());
    assertEquals(1, observer.count("hit:answer"));
    assertEquals(1, observer.count("miss:answer"));
  }

  @Test
  void aFollowUpInAnotherConversationNeverGetsTheOtherAnswer() throws Exception {
    LlmProvider cached = AnswerCache.builder(store).build().wrap(llm, observer);
    turn(cached, ask("And the second one?", "Which rooms are free?", "Rooms 1 and 2."), "Room 2 is on floor 3.");
    RecordingLlmListener other = turn(cached,
        ask("And the second one?", "Who teaches math?", "Ms. Lee and Mr. Park."), "Mr. Park teaches algebra.");
    assertEquals("Mr. Park teaches algebra.", other.text());
    assertFalse(other.await().fromCache());
    assertEquals(2, llm.started.get());

    RecordingLlmListener same = turn(cached,
        ask("and the second one", "Which rooms are free?", "Rooms 1 and 2."), "never asked");
    assertTrue(same.await().fromCache(), "the same context does hit");
    assertEquals("Room 2 is on floor 3.", same.text());
  }

  @Test
  void statelessFaqSharesAnswersAcrossConversationsButNotAcrossSystemPrompts() throws Exception {
    AnswerCache faq = AnswerCache.builder(store).statelessFaq(true).build();
    LlmProvider cached = faq.wrap(llm, observer);
    turn(cached, ask("Where is the library?", "Hi", "Hello!"), "In building C.");
    RecordingLlmListener elsewhere = turn(cached, ask("where is the library", "Good morning", "Morning!"), "x");
    assertTrue(elsewhere.await().fromCache());
    assertEquals("In building C.", elsewhere.text());

    ChatRequest otherPrompt = ChatRequest.builder(List.of(
        ChatMessage.system("You are a pirate."), ChatMessage.user("Where is the library?"))).maxTokens(500).build();
    assertNotEquals(faq.key(llm, ask("Where is the library?")), faq.key(llm, otherPrompt));
  }

  @Test
  void theKeyCoversModelProviderAndGenerationSettings() {
    AnswerCache cache = AnswerCache.builder(store).build();
    List<ChatMessage> q = List.of(ChatMessage.system(SYSTEM), ChatMessage.user("Hours?"));
    String key = cache.key(llm, ChatRequest.builder(q).maxTokens(500).build()).orElseThrow();
    assertTrue(key.startsWith(AnswerCache.KEY_PREFIX));
    assertEquals(key, cache.key(llm, ChatRequest.builder(q).maxTokens(500).model("model-a").build()).orElseThrow(),
        "the default model named or not is the same model");
    assertNotEquals(key, cache.key(llm, ChatRequest.builder(q).maxTokens(500).model("model-b").build()).orElseThrow());
    assertNotEquals(key, cache.key(llm, ChatRequest.builder(q).maxTokens(300).build()).orElseThrow());
    assertNotEquals(key, cache.key(llm, ChatRequest.builder(q).maxTokens(500).temperature(0.2).build()).orElseThrow());
    LlmProvider renamed = new ScriptedLlm() {
      @Override
      public String id() {
        return "other-endpoint";
      }
    };
    assertNotEquals(key, cache.key(renamed, ChatRequest.builder(q).maxTokens(500).build()).orElseThrow());
  }

  @Test
  void questionsAreNormalisedForCaseWhitespaceAndClosingMarksOnly() {
    assertEquals("what are your office hours", CacheKeys.normaliseQuestion("What are your office hours?"));
    assertEquals("what are your office-hours", CacheKeys.normaliseQuestion("  WHAT are\tyour office-hours!!"));
    assertNotEquals(CacheKeys.normaliseQuestion("office hours"), CacheKeys.normaliseQuestion("office rooms"));
  }

  @Test
  void imageTurnsBypassTheCache() throws Exception {
    AnswerCache cache = AnswerCache.builder(store).statelessFaq(true).build();
    LlmProvider cached = cache.wrap(llm, observer);
    ChatRequest withImage = ChatRequest.builder(List.of(new ChatMessage(ChatMessage.Role.USER, List.of(
        new ContentPart.Text("What is this?"),
        new ContentPart.Image(new byte[] {1, 2, 3}, "image/png", ContentPart.Detail.LOW))))).build();
    assertEquals(Optional.empty(), cache.key(llm, withImage));
    turn(cached, withImage, "A cat.");
    turn(cached, withImage, "A cat.");
    assertEquals(2, llm.started.get());
    assertEquals(0, observer.count("miss:answer") + observer.count("hit:answer"));
  }

  @Test
  void truncatedFilteredAndFailedAnswersAreNeverCached() throws Exception {
    LlmProvider cached = AnswerCache.builder(store).build().wrap(llm, observer);
    for (String finish : List.of("length", "content_filter")) {
      RecordingLlmListener l = new RecordingLlmListener();
      cached.stream(ask("Tell me everything."), l);
      llm.next().answer("It all began", finish);
      assertEquals(finish, l.await().finishReason());
    }
    RecordingLlmListener failed = new RecordingLlmListener();
    cached.stream(ask("Tell me everything."), failed);
    llm.next().fail();
    assertThrows(ExecutionException.class, failed::await);

    RecordingLlmListener again = turn(cached, ask("Tell me everything."), "The whole story.");
    assertFalse(again.await().fromCache());
    assertEquals(4, llm.started.get());
    assertEquals(1, store.entryCount(), "only the complete answer was stored");
  }

  @Test
  void anAnswerIsStoredOnlyWhenItsTurnCommits() throws Exception {
    LlmProvider cached = AnswerCache.builder(store).build().wrap(llm, observer);
    RecordingLlmListener l = new RecordingLlmListener();
    LlmCall call = cached.stream(ask("What are your office hours?"), l);
    llm.next().answer("Nine to five.", "stop");
    l.await();
    assertEquals(0, store.entryCount(), "the stream ended but the turn is still speaking");
    call.cancel(); // barge-in while the answer was being spoken
    call.commit(); // a late commit changes nothing
    assertEquals(0, store.entryCount(), "an answer cut short by barge-in is never reused");
  }

  @Test
  void aCancelledAnswerIsNeverCachedAndTheLlmCallIsCancelled() throws Exception {
    LlmProvider cached = AnswerCache.builder(store).build().wrap(llm, observer);
    RecordingLlmListener l = new RecordingLlmListener();
    LlmCall call = cached.stream(ask("Long question?"), l);
    ScriptedLlm.Stream s = llm.next();
    s.listener.onToken("Half");
    call.cancel();
    assertTrue(s.cancelled);
    s.answer(" an answer.", "stop"); // a provider that finishes anyway must not fill the cache
    assertEquals(0, store.entryCount());
  }

  @Test
  void aFailingStoreIsAMissAndAnErrorAndTheLlmStillAnswers() throws Exception {
    LlmProvider cached = AnswerCache.builder(new FailingStore()).build().wrap(llm, observer);
    RecordingLlmListener l = turn(cached, ask("Is Redis up?"), "The LLM answers anyway.");
    assertEquals("The LLM answers anyway.", l.text());
    TestWait.until(() -> observer.count("error:answer") == 2, "lookup and write errors");
  }

  @Test
  void storedAnswersRoundTripAndForeignBytesAreIgnored() {
    byte[] stored = AnswerCache.encode("gpt-x", "Grüße, 世界!");
    String[] back = AnswerCache.decode(stored).orElseThrow();
    assertEquals("gpt-x", back[0]);
    assertEquals("Grüße, 世界!", back[1]);
    assertTrue(AnswerCache.decode(new byte[] {9, 9, 9}).isEmpty());
    assertTrue(AnswerCache.decode(new byte[0]).isEmpty());
  }

  @Test
  void defaultsAndValidation() {
    assertEquals(Duration.ofMinutes(30), AnswerCache.inMemory().ttl());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AnswerCache.builder(store).ttl(Duration.ofSeconds(-1)));
    assertTrue(e.getMessage().contains("ttl") && e.getMessage().contains("PT-1S"), e.getMessage());
    assertThrows(NullPointerException.class, () -> AnswerCache.builder(null));
  }
}
