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
   *
   * @param sessionId the session
   * @return its messages
   */
  CompletableFuture<List<HistoryMessage>> load(String sessionId);

  /**
   * Appends messages (a user message and its answer) atomically: a concurrent reader sees both or
   * neither.
   *
   * @param sessionId the session
   * @param messages the messages, oldest first
   * @return completes when stored
   */
  CompletableFuture<Void> append(String sessionId, List<HistoryMessage> messages);

  /**
   * Forgets the session.
   *
   * @param sessionId the session
   * @return completes when forgotten
   */
  CompletableFuture<Void> clear(String sessionId);

  /**
   * Replaces the session's last message with {@code replacement}, but only while that last
   * message is still an assistant answer (without tool calls) with exactly the text {@code answer}: the pipeline calls
   * this when a caller reports, after a turn was stored whole, that the user barged in and heard
   * only part of it. Must be atomic against {@link #append}: once a later exchange was appended,
   * nothing changes.
   *
   * <p>The default cannot do it atomically and changes nothing: the answer stays whole in history.
   *
   * @param sessionId the session
   * @param answer the stored answer's text, as it must still be
   * @param replacement what to keep instead (the heard text, marked interrupted)
   * @return completes with whether the message was replaced
   */
  default CompletableFuture<Boolean> replaceLastAnswer(
      String sessionId, String answer, HistoryMessage replacement) {
    return CompletableFuture.completedFuture(false);
  }
}
