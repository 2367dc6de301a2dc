package dev.officehours.llm;

import java.util.List;
import java.util.Objects;

/**
 * One message of a chat: a role and its content parts (text, and images for vision turns). An
 * assistant message may also carry the functions the model called ({@link #toolCalls()}); a
 * {@link Role#TOOL} message is the result of one of them, quoting its call's id.
 *
 * @param role who speaks
 * @param content the parts; at least one, except for an assistant message that only calls tools
 * @param toolCalls the functions an assistant message called; empty for every other message
 * @param toolCallId the call a {@link Role#TOOL} message answers; empty for every other message
 */
public record ChatMessage(Role role, List<ContentPart> content, List<ToolCallRequest> toolCalls,
    String toolCallId) {

  /** Who speaks a message. */
  public enum Role {
    /** Instructions for the model. */
    SYSTEM,
    /** The human. */
    USER,
    /** The model. */
    ASSISTANT,
    /** The result of a function the model called. */
    TOOL;

    /**
     * The name of this role in the OpenAI chat format.
     *
     * @return {@code system}, {@code user}, {@code assistant} or {@code tool}
     */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Copies the lists and checks the message is one a chat can hold.
   *
   * @param role who speaks; not null
   * @param content the parts; copied; at least one unless an assistant message calls tools
   * @param toolCalls the functions called; copied; only an assistant message may have any
   * @param toolCallId the call a tool message answers; not null; set for a tool message only
   * @throws IllegalArgumentException when {@code content} is empty for a message that needs it,
   *     when a message other than an assistant's has tool calls, when a tool message has no call
   *     id or another message has one, or when a tool message has an image
   */
  public ChatMessage {
    Objects.requireNonNull(role, "role");
    content = List.copyOf(content);
    toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
    Objects.requireNonNull(toolCallId, "toolCallId");
    if (content.isEmpty() && toolCalls.isEmpty()) {
      throw new IllegalArgumentException("a chat message needs at least one content part");
    }
    if (!toolCalls.isEmpty() && role != Role.ASSISTANT) {
      throw new IllegalArgumentException("only an assistant message may call tools, not " + role);
    }
    if ((role == Role.TOOL) == toolCallId.isEmpty()) {
      throw new IllegalArgumentException(role == Role.TOOL
          ? "a tool message needs the id of the call it answers"
          : "only a tool message answers a tool call, not " + role);
    }
    if (role == Role.TOOL && content.stream().anyMatch(ContentPart.Image.class::isInstance)) {
      throw new IllegalArgumentException("a tool message holds text only");
    }
  }

  /**
   * A message without tool calls.
   *
   * @param role who speaks; not {@link Role#TOOL}
   * @param content the parts, at least one; copied
   * @throws IllegalArgumentException when {@code content} is empty or {@code role} is
   *     {@link Role#TOOL}
   */
  public ChatMessage(Role role, List<ContentPart> content) {
    this(role, content, List.of(), "");
  }

  /**
   * A system message.
   *
   * @param text the instructions; not null
   * @return a message with one text part
   */
  public static ChatMessage system(String text) {
    return new ChatMessage(Role.SYSTEM, List.of(new ContentPart.Text(text)));
  }

  /**
   * A user message with text only.
   *
   * @param text what the user said; not null
   * @return a message with one text part
   */
  public static ChatMessage user(String text) {
    return new ChatMessage(Role.USER, List.of(new ContentPart.Text(text)));
  }

  /**
   * An assistant message.
   *
   * @param text what the model answered; not null
   * @return a message with one text part
   */
  public static ChatMessage assistant(String text) {
    return new ChatMessage(Role.ASSISTANT, List.of(new ContentPart.Text(text)));
  }

  /**
   * An assistant message that calls functions, with any text the model wrote before the calls.
   *
   * @param text what the model said before calling; not null, may be empty
   * @param toolCalls the calls, at least one; copied
   * @return the message
   * @throws IllegalArgumentException when {@code toolCalls} is empty
   */
  public static ChatMessage assistant(String text, List<ToolCallRequest> toolCalls) {
    if (toolCalls.isEmpty()) {
      throw new IllegalArgumentException("toolCalls must not be empty: use assistant(text)");
    }
    return new ChatMessage(Role.ASSISTANT,
        text.isEmpty() ? List.of() : List.of(new ContentPart.Text(text)), toolCalls, "");
  }

  /**
   * The result of a function call, for the model.
   *
   * @param toolCallId the id of the call it answers, as in {@link ToolCallRequest#id()}; not empty
   * @param result the result, normally JSON; not null
   * @return a tool message
   * @throws IllegalArgumentException when {@code toolCallId} is empty
   */
  public static ChatMessage toolResult(String toolCallId, String result) {
    return new ChatMessage(Role.TOOL, List.of(new ContentPart.Text(result)), List.of(), toolCallId);
  }

  /**
   * The text parts joined, images left out.
   *
   * @return the text, empty when the message has only images
   */
  public String text() {
    // on every turn's start path: a loop, not a stream
    if (content.size() == 1 && content.get(0) instanceof ContentPart.Text) {
      return ((ContentPart.Text) content.get(0)).text();
    }
    StringBuilder text = new StringBuilder();
    for (ContentPart part : content) {
      if (part instanceof ContentPart.Text) {
        text.append(((ContentPart.Text) part).text());
      }
    }
    return text.toString();
  }

  /**
   * Whether this message carries an image.
   *
   * @return true when any part is a {@link ContentPart.Image}
   */
  public boolean hasImage() {
    for (ContentPart part : content) {
      if (part instanceof ContentPart.Image) {
        return true;
      }
    }
    return false;
  }
}
