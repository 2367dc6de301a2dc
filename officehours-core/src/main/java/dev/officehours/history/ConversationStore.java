package dev.officehours.history;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where each session's conversation history lives. The default is
 * {@link InMemoryConversationStore}; {@code officehours-redis} shares history across machines.
 *
 * <p>Methods must not block the caller on the network: they return futures. A store bounds each
 * session's length (oldest messages dropped first) and forgets idle sessions.
 */
public interface ConversationStore {

  /**
   * The session's messages, oldest first; empty for an unknown session. Refreshes its idle timer.
   */
  CompletableFuture<List<HistoryMessage>> load(String sessionId);

  /**
   * Appends messages (a user message and its answer) atomically: a concurrent reader sees both or
   * neither.
   */
  CompletableFuture<Void> append(String sessionId, List<HistoryMessage> messages);

  /** Forgets the session. */
  CompletableFuture<Void> clear(String sessionId);
}
