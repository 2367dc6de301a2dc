package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.history.ConversationStore;
import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage.Role;
import dev.officehours.llm.ToolCallRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link ConversationStore} promises: messages come back exactly and in order, tool
 * calls and results included; an append is atomic (a reader sees a whole exchange or none of it,
 * concurrent writers never interleave); each session is bounded, oldest messages dropped first,
 * and forgotten when idle, with a load refreshing its idle timer; {@code clear} forgets one
 * session; {@code replaceLastAnswer} replaces only a last assistant answer without tool calls
 * whose text still matches, atomically against a concurrent append.
 *
 * <p>Extend it and implement {@link #createStore(ManualTime, int, Duration)}. A store whose idle
 * expiry reads an injectable clock takes the given {@link ManualTime}; one that expires on its own
 * clock overrides {@link #followsManualTime()} to return false and {@link #letIdleTimeoutPass} to
 * wait for it (the contract then uses short idle timeouts; the refresh-on-load check needs the
 * manual clock and is skipped). A store
 * that keeps the SPI's default {@code replaceLastAnswer} (which never replaces) overrides {@link
 * #replacesLastAnswer()} to return false.
 */
@Timeout(60)
public abstract class ConversationStoreContract {
  private static final Instant AT = Instant.parse("2026-11-24T07:30:00.123456789Z");

  private final List<ConversationStore> stores = new ArrayList<>();
  private final ManualTime time = new ManualTime();

  /** For subclasses. */
  protected ConversationStoreContract() {}

  /**
   * A new, empty store with these limits. The contract closes it after the test if it is
   * {@link AutoCloseable}.
   *
   * @param time the time the store should expire idle sessions by, when it can take one
   * @param maxMessages the most messages a session keeps
   * @param idleTimeout how long an unused session is kept
   * @return the store under test
   * @throws Exception when it cannot be created
   */
  protected abstract ConversationStore createStore(ManualTime time, int maxMessages,
      Duration idleTimeout) throws Exception;

  /**
   * Whether the store expires idle sessions by the {@link ManualTime} it was given.
   *
   * @return true (the default) when it does; false to make the contract wait in real time
   */
  protected boolean followsManualTime() {
    return true;
  }

  /**
   * Whether the store implements {@link ConversationStore#replaceLastAnswer}.
   *
   * @return true (the default); false for a store that keeps the SPI's never-replacing default
   */
  protected boolean replacesLastAnswer() {
    return true;
  }

  /**
   * Lets a session's idle timeout pass without using the session (a load would refresh it).
   *
   * @param store the store holding the session
   * @param sessionId the session, last used just now
   * @param idleTimeout the store's idle timeout
   * @throws Exception when the store cannot be observed
   */
  protected void letIdleTimeoutPass(ConversationStore store, String sessionId, Duration idleTimeout)
      throws Exception {
    if (!followsManualTime()) {
      throw new UnsupportedOperationException("a store on its own clock overrides letIdleTimeoutPass"
          + " to wait until it has dropped the session, observing it without a load");
    }
    time.advance(idleTimeout.plusSeconds(1));
  }

  @AfterEach
  final void closeStores() throws Exception {
    for (ConversationStore s : stores) {
      if (s instanceof AutoCloseable) {
        ((AutoCloseable) s).close();
      }
    }
  }

  private ConversationStore store(int maxMessages, Duration idleTimeout) throws Exception {
    ConversationStore s = createStore(time, maxMessages, idleTimeout);
    stores.add(s);
    return s;
  }

  private ConversationStore store() throws Exception {
    return store(50, Duration.ofMinutes(30));
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String session(String what) {
    return "contract-" + what + "-" + UUID.randomUUID();
  }

  private static HistoryMessage user(String text) {
    return new HistoryMessage(Role.USER, text, false, AT);
  }

  private static HistoryMessage assistant(String text) {
    return new HistoryMessage(Role.ASSISTANT, text, false, AT.plusSeconds(1));
  }

  private static List<HistoryMessage> exchange(String question, String answer) {
    return List.of(user(question), assistant(answer));
  }

  private static List<String> texts(List<HistoryMessage> messages) {
    return messages.stream().map(HistoryMessage::text).toList();
  }

  @Test
  void messagesComeBackExactlyAndInOrder() throws Exception {
    ConversationStore store = store();
    String s = session("round trip");
    List<HistoryMessage> messages = List.of(
        new HistoryMessage(Role.USER, "Grüße — wann habt ihr offen? 🙂", false, AT),
        new HistoryMessage(Role.ASSISTANT, "Von neun bis fünf.", true, AT.plusMillis(1500)));
    await(store.append(s, messages));
    assertEquals(messages, await(store.load(s)));
  }

  @Test
  void anUnknownSessionIsEmpty() throws Exception {
    assertEquals(List.of(), await(store().load(session("unknown"))));
  }

  @Test
  void appendsAddUpInOrderAndSessionsAreKeptApart() throws Exception {
    ConversationStore store = store();
    String a = session("a");
    String b = session("b");
    await(store.append(a, exchange("q1", "a1")));
    await(store.append(b, exchange("other", "session")));
    await(store.append(a, exchange("q2", "a2")));
    assertEquals(List.of("q1", "a1", "q2", "a2"), texts(await(store.load(a))));
    assertEquals(List.of("other", "session"), texts(await(store.load(b))));
  }

  @Test
  void toolCallsAndTheirResultsRoundTrip() throws Exception {
    ConversationStore store = store();
    String s = session("tools");
    List<ToolCallRequest> calls = List.of(
        new ToolCallRequest(0, "call_1", "next_office_hours", "{\"course\":\"CS101\"}"),
        new ToolCallRequest(1, "call_2", "room_of", "{}"));
    List<HistoryMessage> turn = List.of(
        user("When and where?"),
        new HistoryMessage(Role.ASSISTANT, "Let me look.", false, AT, calls, ""),
        new HistoryMessage(Role.TOOL, "{\"when\":\"Tue 14:00\"}", false, AT, List.of(), "call_1"),
        new HistoryMessage(Role.TOOL, "{\"room\":\"B12\"}", false, AT, List.of(), "call_2"),
        new HistoryMessage(Role.ASSISTANT, "", false, AT, List.of(new ToolCallRequest(0, "call_3",
            "confirm", "{\"ok\":true}")), ""),
        new HistoryMessage(Role.TOOL, "done", false, AT, List.of(), "call_3"),
        assistant("Tuesday at two, in B12."));
    await(store.append(s, turn));
    assertEquals(turn, await(store.load(s)));
  }

  @Test
  void eachSessionIsBoundedOldestDroppedFirst() throws Exception {
    ConversationStore store = store(4, Duration.ofMinutes(30));
    String s = session("bounded");
    for (int i = 1; i <= 5; i++) {
      await(store.append(s, exchange("q" + i, "a" + i)));
    }
    assertEquals(List.of("q4", "a4", "q5", "a5"), texts(await(store.load(s))));
  }

  @Test
  void anIdleSessionIsForgotten() throws Exception {
    Duration idle = followsManualTime() ? Duration.ofMinutes(30) : Duration.ofMillis(300);
    ConversationStore store = store(50, idle);
    String s = session("idle");
    String other = session("busy");
    await(store.append(s, exchange("q", "a")));
    letIdleTimeoutPass(store, s, idle);
    assertEquals(List.of(), await(store.load(s)));
    await(store.append(other, exchange("still", "here")));
    assertEquals(List.of("still", "here"), texts(await(store.load(other))));
  }

  @Test
  void loadingRefreshesTheIdleTimer() throws Exception {
    assumeTrue(followsManualTime(), "needs a store that follows the manual clock");
    Duration idle = Duration.ofMinutes(30);
    ConversationStore store = store(50, idle);
    String s = session("refreshed");
    await(store.append(s, exchange("q", "a")));
    for (int i = 0; i < 3; i++) {
      time.advance(Duration.ofMinutes(20));
      assertEquals(List.of("q", "a"), texts(await(store.load(s))), "forgotten although used");
    }
  }

  @Test
  void clearForgetsOnlyThatSession() throws Exception {
    ConversationStore store = store();
    String s = session("cleared");
    String other = session("kept");
    await(store.append(s, exchange("q", "a")));
    await(store.append(other, exchange("q", "a")));
    await(store.clear(s));
    await(store.clear(session("never used")));
    assertEquals(List.of(), await(store.load(s)));
    assertEquals(List.of("q", "a"), texts(await(store.load(other))));
    await(store.append(s, exchange("again", "fresh")));
    assertEquals(List.of("again", "fresh"), texts(await(store.load(s))));
  }

  @Test
  void aConcurrentReaderSeesWholeExchangesOnly() throws Exception {
    ConversationStore store = store(1000, Duration.ofMinutes(30));
    String s = session("atomic");
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Integer> reader = pool.submit(() -> {
        int loads = 0;
        while (writing.get() || loads == 0) {
          List<HistoryMessage> seen = await(store.load(s));
          assertEquals(0, seen.size() % 2, "half an exchange: " + texts(seen));
          for (int i = 0; i < seen.size(); i += 2) {
            assertEquals(seen.get(i).text().replace('q', 'a'), seen.get(i + 1).text());
          }
          loads++;
        }
        return loads;
      });
      Future<?> writer = pool.submit(() -> {
        try {
          for (int i = 0; i < 200; i++) {
            await(store.append(s, exchange("q" + i, "a" + i)));
          }
        } finally {
          writing.set(false);
        }
        return null;
      });
      writer.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertTrue(reader.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS) > 0);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(400, await(store.load(s)).size());
  }

  @Test
  void concurrentWritersNeverInterleaveTheirExchanges() throws Exception {
    ConversationStore store = store(1000, Duration.ofMinutes(30));
    String s = session("writers");
    int writers = 8;
    int each = 20;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < each; i++) {
            await(store.append(s, exchange("q" + writer + "." + i, "a" + writer + "." + i)));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<HistoryMessage> all = await(store.load(s));
    assertEquals(writers * each * 2, all.size(), "messages lost");
    for (int i = 0; i < all.size(); i += 2) {
      assertEquals(all.get(i).text().replace('q', 'a'), all.get(i + 1).text(), "interleaved at " + i);
    }
  }

  @Test
  void replaceLastAnswerReplacesAMatchingAnswer() throws Exception {
    assumeTrue(replacesLastAnswer(), "the store keeps the SPI's never-replacing default");
    ConversationStore store = store();
    String s = session("replace");
    await(store.append(s, exchange("Tell me everything.", "First this, then that, and more.")));
    HistoryMessage heard = new HistoryMessage(Role.ASSISTANT, "First this,", true, AT.plusSeconds(2));
    assertTrue(await(store.replaceLastAnswer(s, "First this, then that, and more.", heard)));
    assertEquals(List.of(user("Tell me everything."), heard), await(store.load(s)));
  }

  @Test
  void replaceLastAnswerChangesNothingWhenTheTextDiffers() throws Exception {
    ConversationStore store = store();
    String s = session("differs");
    await(store.append(s, exchange("q", "the stored answer")));
    assertFalse(await(store.replaceLastAnswer(s, "another answer",
        new HistoryMessage(Role.ASSISTANT, "x", true, AT))));
    assertEquals(exchange("q", "the stored answer"), await(store.load(s)));
  }

  @Test
  void replaceLastAnswerChangesNothingOnceALaterExchangeWasAppended() throws Exception {
    ConversationStore store = store();
    String s = session("later");
    await(store.append(s, exchange("q1", "same words")));
    await(store.append(s, exchange("q2", "newer answer")));
    assertFalse(await(store.replaceLastAnswer(s, "same words",
        new HistoryMessage(Role.ASSISTANT, "same", true, AT))));
    assertEquals(List.of("q1", "same words", "q2", "newer answer"), texts(await(store.load(s))));
  }

  @Test
  void replaceLastAnswerNeverReplacesAnAssistantMessageThatCalledTools() throws Exception {
    ConversationStore store = store();
    String s = session("tool lead-in");
    List<HistoryMessage> turn = List.of(user("Book it."), new HistoryMessage(Role.ASSISTANT,
        "Let me check.", false, AT, List.of(new ToolCallRequest(0, "call_1", "book", "{}")), ""));
    await(store.append(s, turn));
    assertFalse(await(store.replaceLastAnswer(s, "Let me check.",
        new HistoryMessage(Role.ASSISTANT, "Let", true, AT))));
    assertEquals(turn, await(store.load(s)));
  }

  @Test
  void replaceLastAnswerNeverReplacesAUserOrToolMessage() throws Exception {
    ConversationStore store = store();
    String s = session("not an answer");
    await(store.append(s, List.of(user("same text"))));
    assertFalse(await(store.replaceLastAnswer(s, "same text",
        new HistoryMessage(Role.ASSISTANT, "same", true, AT))));
    HistoryMessage tool = new HistoryMessage(Role.TOOL, "result", false, AT, List.of(), "call_1");
    await(store.append(s, List.of(tool)));
    assertFalse(await(store.replaceLastAnswer(s, "result",
        new HistoryMessage(Role.ASSISTANT, "res", true, AT))));
    assertEquals(List.of(user("same text"), tool), await(store.load(s)));
  }

  @Test
  void replaceLastAnswerOfAnUnknownSessionIsFalse() throws Exception {
    ConversationStore store = store();
    String s = session("nobody");
    assertFalse(await(store.replaceLastAnswer(s, "anything",
        new HistoryMessage(Role.ASSISTANT, "any", true, AT))));
    assertEquals(List.of(), await(store.load(s)));
  }

  @Test
  void replaceLastAnswerRacingAnAppendNeverTouchesTheNewerAnswer() throws Exception {
    ConversationStore store = store(1000, Duration.ofMinutes(30));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 30; round++) {
        String s = session("race " + round);
        await(store.append(s, exchange("q1", "old answer")));
        HistoryMessage heard = new HistoryMessage(Role.ASSISTANT, "old", true, AT);
        CountDownLatch go = new CountDownLatch(1);
        Future<Boolean> replace = pool.submit(() -> {
          go.await();
          return await(store.replaceLastAnswer(s, "old answer", heard));
        });
        Future<?> append = pool.submit(() -> {
          go.await();
          return await(store.append(s, exchange("q2", "new answer")));
        });
        go.countDown();
        boolean replaced = replace.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        append.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        List<String> texts = texts(await(store.load(s)));
        assertEquals(List.of("q1", replaced ? "old" : "old answer", "q2", "new answer"), texts,
            "round " + round + ", replaced=" + replaced);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
