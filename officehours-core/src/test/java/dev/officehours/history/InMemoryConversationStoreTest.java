package dev.officehours.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.officehours.llm.ChatMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryConversationStoreTest {
  final AtomicLong now = new AtomicLong();
  final Ticker ticker = now::get;

  static HistoryMessage user(String text) {
    return new HistoryMessage(ChatMessage.Role.USER, text, false, Instant.EPOCH);
  }

  static HistoryMessage assistant(String text) {
    return new HistoryMessage(ChatMessage.Role.ASSISTANT, text, false, Instant.EPOCH);
  }

  @Test
  void anUnknownSessionHasNoHistory() {
    assertTrue(InMemoryConversationStore.create().load("nobody").join().isEmpty());
  }

  @Test
  void appendedPairsAreReadBackInOrder() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    store.append("s", List.of(user("q1"), assistant("a1"))).join();
    store.append("s", List.of(user("q2"), assistant("a2"))).join();
    assertEquals(List.of("q1", "a1", "q2", "a2"),
        store.load("s").join().stream().map(HistoryMessage::text).toList());
  }

  @Test
  void eachSessionKeepsOnlyItsNewestMessages() {
    InMemoryConversationStore store = InMemoryConversationStore.builder().maxMessages(4).build();
    for (int i = 1; i <= 3; i++) {
      store.append("s", List.of(user("q" + i), assistant("a" + i))).join();
    }
    assertEquals(List.of("q2", "a2", "q3", "a3"),
        store.load("s").join().stream().map(HistoryMessage::text).toList());
  }

  @Test
  void anIdleSessionIsForgottenAndUseKeepsItAlive() {
    InMemoryConversationStore store =
        InMemoryConversationStore.builder().idleTimeout(Duration.ofMinutes(5)).ticker(ticker).build();
    store.append("s", List.of(user("q"), assistant("a"))).join();
    now.addAndGet(Duration.ofMinutes(4).toNanos());
    assertEquals(2, store.load("s").join().size(), "read within the idle timeout");
    now.addAndGet(Duration.ofMinutes(4).toNanos());
    assertEquals(2, store.load("s").join().size(), "the read refreshed the idle timer");
    now.addAndGet(Duration.ofMinutes(6).toNanos());
    assertTrue(store.load("s").join().isEmpty());
  }

  @Test
  void clearForgetsTheSession() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    store.append("s", List.of(user("q"))).join();
    store.clear("s").join();
    assertTrue(store.load("s").join().isEmpty());
  }

  @Test
  void theBuilderNamesTheValueItRejects() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> InMemoryConversationStore.builder().maxMessages(1)).getMessage().contains("1"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> InMemoryConversationStore.builder().idleTimeout(Duration.ofSeconds(-1)))
        .getMessage().contains("idleTimeout"));
  }

  @Test
  void theLastAnswerIsReplacedOnlyWhileItIsStillTheLastAnswer() {
    InMemoryConversationStore store = InMemoryConversationStore.create();
    Instant t = Instant.EPOCH;
    store.append("s", List.of(new HistoryMessage(ChatMessage.Role.USER, "Q1", false, t),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "A1 in full.", false, t))).join();
    HistoryMessage heard = new HistoryMessage(ChatMessage.Role.ASSISTANT, "A1", true, t);
    assertTrue(store.replaceLastAnswer("s", "A1 in full.", heard).join());
    assertEquals(heard, store.load("s").join().get(1));
    assertFalse(store.replaceLastAnswer("s", "A1 in full.", heard).join(), "no longer that text");
    store.append("s", List.of(new HistoryMessage(ChatMessage.Role.USER, "Q2", false, t),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "A2", false, t))).join();
    assertFalse(store.replaceLastAnswer("s", "A1", heard).join(), "a later exchange came in");
    assertFalse(store.replaceLastAnswer("unknown", "A1", heard).join());
    assertEquals(4, store.load("s").join().size());
  }
}
