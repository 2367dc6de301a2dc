package dev.officehours.llm;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the pipeline asks a language model for: the messages (system prompt first, then history,
 * then the user's message), a token budget, and optional generation settings.
 *
 * <p>Build with {@link #builder(List)}.
 */
public final class ChatRequest {
  private final List<ChatMessage> messages;
  private final int maxTokens;
  private final String model;
  private final Double temperature;
  private final Instant deadline;

  private ChatRequest(Builder b) {
    this.messages = List.copyOf(b.messages);
    this.maxTokens = b.maxTokens;
    this.model = b.model;
    this.temperature = b.temperature;
    this.deadline = b.deadline;
  }

  /**
   * Starts a request.
   *
   * @param messages the conversation, at least one message
   * @return a builder
   */
  public static Builder builder(List<ChatMessage> messages) {
    return new Builder(messages);
  }

  /** The conversation to complete. */
  public List<ChatMessage> messages() {
    return messages;
  }

  /** The completion budget in tokens; 0 means the provider's own default. */
  public int maxTokens() {
    return maxTokens;
  }

  /** A model overriding the provider's default. */
  public Optional<String> model() {
    return Optional.ofNullable(model);
  }

  /** The sampling temperature, when set. */
  public OptionalDouble temperature() {
    return temperature == null ? OptionalDouble.empty() : OptionalDouble.of(temperature);
  }

  /** The instant by which the whole turn must be done; retries never wait past it. */
  public Optional<Instant> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** Whether any message carries an image. */
  public boolean hasImage() {
    return messages.stream().anyMatch(ChatMessage::hasImage);
  }

  @Override
  public String toString() {
    return "ChatRequest[messages=" + messages.size() + ", maxTokens=" + maxTokens
        + (model != null ? ", model=" + model : "") + "]";
  }

  /** Builds a {@link ChatRequest}. */
  public static final class Builder {
    private final List<ChatMessage> messages;
    private int maxTokens;
    private String model;
    private Double temperature;
    private Instant deadline;

    private Builder(List<ChatMessage> messages) {
      this.messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
      if (this.messages.isEmpty()) {
        throw new IllegalArgumentException("messages must not be empty");
      }
    }

    /** @param maxTokens the completion budget, 0 for the provider default */
    public Builder maxTokens(int maxTokens) {
      if (maxTokens < 0) {
        throw new IllegalArgumentException("maxTokens must not be negative but was " + maxTokens);
      }
      this.maxTokens = maxTokens;
      return this;
    }

    /** @param model a model overriding the provider's default */
    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** @param temperature the sampling temperature, 0..2 */
    public Builder temperature(double temperature) {
      if (!(temperature >= 0 && temperature <= 2)) {
        throw new IllegalArgumentException("temperature must be in 0..2 but was " + temperature);
      }
      this.temperature = temperature;
      return this;
    }

    /** @param deadline when the whole turn must be done */
    public Builder deadline(Instant deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    /** Builds the request. */
    public ChatRequest build() {
      return new ChatRequest(this);
    }
  }
}
