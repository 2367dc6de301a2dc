package dev.officehours.llm;

import java.util.List;
import java.util.Objects;

/**
 * How a streamed completion ended.
 *
 * <p>A refusal (OpenAI's {@code delta.refusal}) is not a separate outcome: its text reaches the
 * listener through {@link LlmListener#onToken} like any answer, so it is shown and spoken, and
 * {@link #finishReason()} is whatever the provider sent with it.
 *
 * @param finishReason the provider's {@code finish_reason} ({@code stop}, {@code length},
 *     {@code content_filter}, {@code tool_calls}, ...), or {@code unknown} when none was sent
 * @param usage the token usage, {@link TokenUsage#NONE} when not reported
 * @param model the model that answered, as the provider named it, or empty
 * @param fromCache whether the answer was replayed from an answer cache rather than generated
 * @param toolCalls the functions the model asked to call, in index order; empty when none
 * @param provider the {@link LlmProvider#id()} of the provider that served the call, set by a
 *     provider that delegates (a fallback chain); empty when the provider called is the one that
 *     served
 */
public record LlmCompletion(String finishReason, TokenUsage usage, String model, boolean fromCache,
    List<ToolCallRequest> toolCalls, String provider) {

  /**
   * Rejects {@code null}s; keeps an unmodifiable copy of the tool calls.
   *
   * @param finishReason the provider's {@code finish_reason}, or {@code unknown}; not null
   * @param usage the token usage, {@link TokenUsage#NONE} when not reported; not null
   * @param model the model that answered, or empty; not null
   * @param fromCache whether the answer was replayed from an answer cache
   * @param toolCalls the functions the model asked to call; not null, may be empty
   * @param provider the id of the provider that served the call, or empty; not null
   */
  public LlmCompletion {
    Objects.requireNonNull(finishReason, "finishReason");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(model, "model");
    toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls"));
    Objects.requireNonNull(provider, "provider");
  }

  /**
   * A completion that does not say which provider served it (the provider called did).
   *
   * @param finishReason the provider's {@code finish_reason}, or {@code unknown}; not null
   * @param usage the token usage, {@link TokenUsage#NONE} when not reported; not null
   * @param model the model that answered, or empty; not null
   * @param fromCache whether the answer was replayed from an answer cache
   * @param toolCalls the functions the model asked to call; not null, may be empty
   */
  public LlmCompletion(String finishReason, TokenUsage usage, String model, boolean fromCache,
      List<ToolCallRequest> toolCalls) {
    this(finishReason, usage, model, fromCache, toolCalls, "");
  }

  /**
   * A completion without tool calls.
   *
   * @param finishReason the provider's {@code finish_reason}, or {@code unknown}
   * @param usage the token usage, {@link TokenUsage#NONE} when not reported
   * @param model the model that answered, or empty
   * @param fromCache whether the answer was replayed from an answer cache
   */
  public LlmCompletion(String finishReason, TokenUsage usage, String model, boolean fromCache) {
    this(finishReason, usage, model, fromCache, List.of(), "");
  }

  /**
   * Whether the answer was cut by the token budget.
   *
   * @return true when the finish reason is {@code length}
   */
  public boolean truncated() {
    return "length".equals(finishReason);
  }

  /**
   * The same completion, naming the provider that served it.
   *
   * @param servedBy the {@link LlmProvider#id()} of the provider that served the call; not null
   * @return a new completion
   */
  public LlmCompletion withProvider(String servedBy) {
    return new LlmCompletion(finishReason, usage, model, fromCache, toolCalls, servedBy);
  }
}
