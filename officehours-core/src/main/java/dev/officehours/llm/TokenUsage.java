package dev.officehours.llm;

/**
 * Tokens counted by the provider for one completion ({@code stream_options.include_usage}).
 *
 * @param promptTokens tokens of the request
 * @param completionTokens tokens of the answer
 * @param totalTokens both together
 * @param reasoningTokens tokens a reasoning model spent thinking, as the provider reported them
 *     ({@code usage.completion_tokens_details.reasoning_tokens}); OpenAI and most servers count
 *     them within {@code completionTokens} too; zero when none were reported
 */
public record TokenUsage(int promptTokens, int completionTokens, int totalTokens,
    int reasoningTokens) {

  /** No usage reported (the provider sent none, or the answer came from a cache). */
  public static final TokenUsage NONE = new TokenUsage(0, 0, 0);

  /**
   * Rejects negative counts.
   *
   * @param promptTokens tokens of the request, zero or more
   * @param completionTokens tokens of the answer, zero or more
   * @param totalTokens both together, zero or more
   * @param reasoningTokens tokens spent reasoning, zero or more
   * @throws IllegalArgumentException when a count is negative
   */
  public TokenUsage {
    if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0 || reasoningTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
  }

  /**
   * Usage without a count of reasoning tokens (none reported, or a model that does not reason).
   *
   * @param promptTokens tokens of the request, zero or more
   * @param completionTokens tokens of the answer, zero or more
   * @param totalTokens both together, zero or more
   * @throws IllegalArgumentException when a count is negative
   */
  public TokenUsage(int promptTokens, int completionTokens, int totalTokens) {
    this(promptTokens, completionTokens, totalTokens, 0);
  }
}
