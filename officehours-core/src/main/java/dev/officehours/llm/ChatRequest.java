package dev.officehours.llm;

import java.time.Instant;
import java.util.List;
import dev.officehours.internal.RequestExtras;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
  private final List<ToolDefinition> tools;
  private final ToolChoice toolChoice;
  private final Map<String, Object> extraBody;
  private final Map<String, String> extraHeaders;

  /** Fields of the chat request body the provider writes itself: not allowed in {@link #extraBody()}. */
  public static final Set<String> RESERVED_FIELDS = Set.of("model", "messages", "stream",
      "stream_options", "max_tokens", "max_completion_tokens", "temperature", "tools", "tool_choice");

  private ChatRequest(Builder b) {
    this.messages = List.copyOf(b.messages);
    this.maxTokens = b.maxTokens;
    this.model = b.model;
    this.temperature = b.temperature;
    this.deadline = b.deadline;
    this.tools = b.tools;
    this.toolChoice = b.toolChoice;
    this.extraBody = b.extraBody;
    this.extraHeaders = b.extraHeaders;
  }

  /**
   * Starts a request.
   *
   * @param messages the conversation, at least one message; copied
   * @return a builder
   * @throws IllegalArgumentException when {@code messages} is empty
   */
  public static Builder builder(List<ChatMessage> messages) {
    return new Builder(messages);
  }

  /**
   * The conversation to complete.
   *
   * @return the messages, oldest first; unmodifiable, never empty
   */
  public List<ChatMessage> messages() {
    return messages;
  }

  /**
   * The completion budget.
   *
   * @return the most tokens the answer may take; 0 means the provider's own default
   */
  public int maxTokens() {
    return maxTokens;
  }

  /**
   * A model overriding the provider's default.
   *
   * @return the model name, or empty to use the provider's
   */
  public Optional<String> model() {
    return Optional.ofNullable(model);
  }

  /**
   * The sampling temperature.
   *
   * @return the temperature in 0..2, or empty to use the provider's default
   */
  public OptionalDouble temperature() {
    return temperature == null ? OptionalDouble.empty() : OptionalDouble.of(temperature);
  }

  /**
   * The instant by which the whole turn must be done; retries never wait past it.
   *
   * @return the deadline, or empty when the call has none
   */
  public Optional<Instant> deadline() {
    return Optional.ofNullable(deadline);
  }

  /**
   * The functions the model may call.
   *
   * @return the tools offered, in order; empty when none (then the provider sends none)
   */
  public List<ToolDefinition> tools() {
    return tools;
  }

  /**
   * Whether the model may call the {@link #tools()}.
   *
   * @return {@link ToolChoice#AUTO} unless set
   */
  public ToolChoice toolChoice() {
    return toolChoice;
  }

  /**
   * Fields added to the request body as they are, for provider features the SDK does not model
   * (e.g. {@code top_p}, {@code seed}, {@code reasoning_effort}).
   *
   * @return the fields, unmodifiable; empty when none
   */
  public Map<String, Object> extraBody() {
    return extraBody;
  }

  /**
   * Headers added to the HTTP request (e.g. a gateway's routing header). Never printed.
   *
   * @return the headers, unmodifiable; empty when none
   */
  public Map<String, String> extraHeaders() {
    return extraHeaders;
  }

  /**
   * Whether any message carries an image.
   *
   * @return true for a vision request
   */
  public boolean hasImage() {
    for (ChatMessage message : messages) {
      if (message.hasImage()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "ChatRequest[messages=" + messages.size() + ", maxTokens=" + maxTokens
        + (model != null ? ", model=" + model : "")
        + (tools.isEmpty() ? "" : ", tools=" + tools.size() + ", toolChoice=" + toolChoice) + "]";
  }

  /** Builds a {@link ChatRequest}. */
  public static final class Builder {
    private final List<ChatMessage> messages;
    private int maxTokens;
    private String model;
    private Double temperature;
    private Instant deadline;
    private List<ToolDefinition> tools = List.of();
    private ToolChoice toolChoice = ToolChoice.AUTO;
    private Map<String, Object> extraBody = Map.of();
    private Map<String, String> extraHeaders = Map.of();

    private Builder(List<ChatMessage> messages) {
      this.messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
      if (this.messages.isEmpty()) {
        throw new IllegalArgumentException("messages must not be empty");
      }
    }

    /**
     * Sets the completion budget.
     *
     * @param maxTokens the most tokens the answer may take; 0 (the default) for the provider's
     *     default
     * @return this builder
     * @throws IllegalArgumentException when {@code maxTokens} is negative
     */
    public Builder maxTokens(int maxTokens) {
      if (maxTokens < 0) {
        throw new IllegalArgumentException("maxTokens must not be negative but was " + maxTokens);
      }
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Overrides the provider's model.
     *
     * @param model a model name the provider knows; not null
     * @return this builder
     */
    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /**
     * Sets the sampling temperature.
     *
     * @param temperature the sampling temperature, 0..2 (lower is more deterministic)
     * @return this builder
     * @throws IllegalArgumentException when {@code temperature} is outside 0..2 or NaN
     */
    public Builder temperature(double temperature) {
      if (!(temperature >= 0 && temperature <= 2)) {
        throw new IllegalArgumentException("temperature must be in 0..2 but was " + temperature);
      }
      this.temperature = temperature;
      return this;
    }

    /**
     * Sets the deadline of the whole turn.
     *
     * @param deadline when the whole turn must be done; not null
     * @return this builder
     */
    public Builder deadline(Instant deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    /**
     * Offers functions the model may call.
     *
     * @param tools the tools, with distinct names; copied
     * @return this builder
     * @throws IllegalArgumentException when two tools share a name
     */
    public Builder tools(List<ToolDefinition> tools) {
      List<ToolDefinition> copy = List.copyOf(Objects.requireNonNull(tools, "tools"));
      java.util.Set<String> names = new java.util.HashSet<>();
      for (ToolDefinition t : copy) {
        if (!names.add(t.name())) {
          throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
        }
      }
      this.tools = copy;
      return this;
    }

    /**
     * Sets whether the model may call the tools.
     *
     * @param toolChoice {@link ToolChoice#AUTO} (the default), {@link ToolChoice#NONE} or
     *     {@link ToolChoice#REQUIRED}; not null
     * @return this builder
     */
    public Builder toolChoice(ToolChoice toolChoice) {
      this.toolChoice = Objects.requireNonNull(toolChoice, "toolChoice");
      return this;
    }

    /**
     * Adds fields to the request body as they are, for provider features the SDK does not model.
     *
     * @param fields names to JSON values (null, strings, numbers, booleans, lists and maps of
     *     these); none of {@link #RESERVED_FIELDS}; copied
     * @return this builder
     * @throws IllegalArgumentException naming the field when a value is not JSON or the field is
     *     reserved
     */
    public Builder extraBody(Map<String, ?> fields) {
      this.extraBody = RequestExtras.body(fields, RESERVED_FIELDS, "extraBody");
      return this;
    }

    /**
     * Adds headers to the HTTP request. Their values are treated as secrets: never printed, and
     * masked in provider error messages.
     *
     * @param headers names to values; not {@code Content-Type}, {@code Accept} or another header
     *     the HTTP client sets; copied
     * @return this builder
     * @throws IllegalArgumentException naming the header when it is not valid or is one the client
     *     sets
     */
    public Builder extraHeaders(Map<String, String> headers) {
      this.extraHeaders = RequestExtras.headers(headers, "extraHeaders");
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request; every value was checked when it was set
     */
    public ChatRequest build() {
      return new ChatRequest(this);
    }
  }
}
