package dev.officehours.llm;

import java.util.Objects;

/**
 * How a streamed completion ended.
 *
 * @param finishReason the provider's {@code finish_reason} ({@code stop}, {@code length},
 *     {@code content_filter}, ...), or {@code unknown} when none was sent
 * @param usage the token usage, {@link TokenUsage#NONE} when not reported
 * @param model the model that answered, as the provider named it, or empty
 * @param fromCache whether the answer was replayed from an answer cache rather than generated
 */
public record LlmCompletion(String finishReason, TokenUsage usage, String model, boolean fromCache) {

  /** Rejects {@code null}s. */
  public LlmCompletion {
    Objects.requireNonNull(finishReason, "finishReason");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(model, "model");
  }

  /** Whether the answer was cut by the token budget. */
  public boolean truncated() {
    return "length".equals(finishReason);
  }
}
