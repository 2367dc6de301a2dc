package dev.officehours.history;

import dev.officehours.llm.ChatMessage;
import java.time.Instant;
import java.util.Objects;

/**
 * One message of a session's stored history.
 *
 * @param role user or assistant
 * @param text the text (images are not kept in history)
 * @param interrupted whether an assistant answer was cut short by barge-in
 * @param at when it was stored
 */
public record HistoryMessage(ChatMessage.Role role, String text, boolean interrupted, Instant at) {

  /**
   * Rejects {@code null}s.
   *
   * @param role user or assistant; not null
   * @param text the text; not null
   * @param interrupted whether an assistant answer was cut short by barge-in
   * @param at when it was stored; not null
   */
  public HistoryMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(at, "at");
  }

  /**
   * This message as a chat message for the LLM.
   *
   * @return a text-only chat message with this message's role and text
   */
  public ChatMessage toChatMessage() {
    return switch (role) {
      case SYSTEM -> ChatMessage.system(text);
      case USER -> ChatMessage.user(text);
      case ASSISTANT -> ChatMessage.assistant(text);
    };
  }
}
