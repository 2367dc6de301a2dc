package dev.officehours.llm;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One message of a chat: a role and its content parts (text, and images for vision turns).
 *
 * @param role who speaks
 * @param content the parts, at least one
 */
public record ChatMessage(Role role, List<ContentPart> content) {

  /** Who speaks a message. */
  public enum Role {
    /** Instructions for the model. */
    SYSTEM,
    /** The human. */
    USER,
    /** The model. */
    ASSISTANT;

    /**
     * The name of this role in the OpenAI chat format.
     *
     * @return {@code system}, {@code user} or {@code assistant}
     */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Copies the parts and rejects an empty message.
   *
   * @param role who speaks; not null
   * @param content the parts, at least one; copied
   * @throws IllegalArgumentException when {@code content} is empty
   */
  public ChatMessage {
    Objects.requireNonNull(role, "role");
    content = List.copyOf(content);
    if (content.isEmpty()) {
      throw new IllegalArgumentException("a chat message needs at least one content part");
    }
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
   * The text parts joined, images left out.
   *
   * @return the text, empty when the message has only images
   */
  public String text() {
    return content.stream()
        .filter(ContentPart.Text.class::isInstance)
        .map(p -> ((ContentPart.Text) p).text())
        .collect(Collectors.joining());
  }

  /**
   * Whether this message carries an image.
   *
   * @return true when any part is a {@link ContentPart.Image}
   */
  public boolean hasImage() {
    return content.stream().anyMatch(ContentPart.Image.class::isInstance);
  }
}
