package dev.officehours.history;

import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ContentPart;
import dev.officehours.llm.ToolCallRequest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One message of a session's stored history. Besides the user's messages and the answers, a turn
 * in which the model called tools stores the assistant's calls ({@link #toolCalls()}, with any
 * text it said before them) and one {@link ChatMessage.Role#TOOL} message per result, so a
 * follow-up question can build on what the tools found.
 *
 * @param role user, assistant or tool
 * @param text the text (images are not kept in history); a tool message's result
 * @param interrupted whether an assistant answer was cut short by barge-in
 * @param at when it was stored
 * @param toolCalls the functions an assistant message called; empty for every other message
 * @param toolCallId the call a tool message answers; empty for every other message
 */
public record HistoryMessage(ChatMessage.Role role, String text, boolean interrupted, Instant at,
    List<ToolCallRequest> toolCalls, String toolCallId) {

  /**
   * Rejects {@code null}s and a tool call or call id on the wrong role.
   *
   * @param role user, assistant or tool; not null
   * @param text the text; not null
   * @param interrupted whether an assistant answer was cut short by barge-in
   * @param at when it was stored; not null
   * @param toolCalls the functions an assistant message called; not null; copied
   * @param toolCallId the call a tool message answers; not null; set for a tool message only
   * @throws IllegalArgumentException when a message other than an assistant's has tool calls, or
   *     a tool message has no call id, or another message has one
   */
  public HistoryMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(at, "at");
    toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
    Objects.requireNonNull(toolCallId, "toolCallId");
    if (!toolCalls.isEmpty() && role != ChatMessage.Role.ASSISTANT) {
      throw new IllegalArgumentException("only an assistant message may call tools, not " + role);
    }
    if ((role == ChatMessage.Role.TOOL) == toolCallId.isEmpty()) {
      throw new IllegalArgumentException(role == ChatMessage.Role.TOOL
          ? "a tool message needs the id of the call it answers"
          : "only a tool message answers a tool call, not " + role);
    }
  }

  /**
   * A message without tool calls: a user's message or an answer.
   *
   * @param role user or assistant (or system); not null, not tool
   * @param text the text; not null
   * @param interrupted whether an assistant answer was cut short by barge-in
   * @param at when it was stored; not null
   * @throws IllegalArgumentException when {@code role} is {@link ChatMessage.Role#TOOL}
   */
  public HistoryMessage(ChatMessage.Role role, String text, boolean interrupted, Instant at) {
    this(role, text, interrupted, at, List.of(), "");
  }

  /**
   * This message as a chat message for the LLM.
   *
   * @return a text-only chat message with this message's role, text, tool calls and call id
   */
  public ChatMessage toChatMessage() {
    List<ContentPart> content = text.isEmpty() && !toolCalls.isEmpty()
        ? List.of() : List.of(new ContentPart.Text(text));
    return new ChatMessage(role, content, toolCalls, toolCallId);
  }
}
