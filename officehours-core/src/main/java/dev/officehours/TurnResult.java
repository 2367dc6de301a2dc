package dev.officehours;

import dev.officehours.llm.TokenUsage;
import java.util.List;
import dev.officehours.metrics.TurnOutcome;

/**
 * The outcome of a completed or cancelled turn; also its last event.
 *
 * @param turnId the turn
 * @param sessionId its session
 * @param outcome {@link TurnOutcome#COMPLETED} or {@link TurnOutcome#CANCELLED}
 * @param text the full answer text as emitted (up to the cancel, if cancelled)
 * @param finishReason the LLM's {@code finish_reason}, {@code cancelled} if cancelled
 * @param usage token usage, {@link TokenUsage#NONE} when not reported
 * @param answerFromCache whether the answer came from the answer cache
 * @param speechFailures chunks whose audio could not be synthesised
 * @param metrics timings and counts of this turn
 * @param toolResults the tool calls of the turn and how each ended, in the order they ended
 *     within each round; empty for a turn without tools
 * @param llmProvider the {@code id()} of the LLM provider that served the turn's last LLM call
 *     (within a fallback chain, the chain's member that answered; the chain's own id when the
 *     answer was cut at its length limit or replayed from the answer cache); empty when no call
 *     completed
 * @param ttsProviders the {@code id()}s of the TTS providers whose audio the turn delivered, in
 *     the order each first spoke; empty when no audio was delivered
 */
public record TurnResult(
    String turnId,
    String sessionId,
    TurnOutcome outcome,
    String text,
    String finishReason,
    TokenUsage usage,
    boolean answerFromCache,
    List<SpeechFailure> speechFailures,
    TurnMetrics metrics,
    List<ToolResult> toolResults,
    String llmProvider,
    List<String> ttsProviders) implements TurnEvent {

  /**
   * Copies the failure list.
   *
   * @param turnId the turn
   * @param sessionId its session
   * @param outcome {@link TurnOutcome#COMPLETED} or {@link TurnOutcome#CANCELLED}
   * @param text the full answer text as emitted (up to the cancel, if cancelled)
   * @param finishReason the LLM's {@code finish_reason}, {@code cancelled} if cancelled
   * @param usage token usage, {@link TokenUsage#NONE} when not reported
   * @param answerFromCache whether the answer came from the answer cache
   * @param speechFailures chunks whose audio could not be synthesised; not null, may be empty
   * @param metrics timings and counts of this turn
   * @param toolResults the tool calls of the turn and how each ended; not null, may be empty
   * @param llmProvider the id of the LLM provider that served; not null, empty when none did
   * @param ttsProviders the ids of the TTS providers that spoke; not null, may be empty
   */
  public TurnResult {
    speechFailures = List.copyOf(speechFailures);
    toolResults = List.copyOf(toolResults);
    java.util.Objects.requireNonNull(llmProvider, "llmProvider");
    ttsProviders = List.copyOf(ttsProviders);
  }

  /**
   * A result that does not say which providers served.
   *
   * @param turnId the turn
   * @param sessionId its session
   * @param outcome {@link TurnOutcome#COMPLETED} or {@link TurnOutcome#CANCELLED}
   * @param text the full answer text as emitted (up to the cancel, if cancelled)
   * @param finishReason the LLM's {@code finish_reason}, {@code cancelled} if cancelled
   * @param usage token usage, {@link TokenUsage#NONE} when not reported
   * @param answerFromCache whether the answer came from the answer cache
   * @param speechFailures chunks whose audio could not be synthesised; not null, may be empty
   * @param metrics timings and counts of this turn
   * @param toolResults the tool calls of the turn and how each ended; not null, may be empty
   */
  public TurnResult(String turnId, String sessionId, TurnOutcome outcome, String text,
      String finishReason, TokenUsage usage, boolean answerFromCache,
      List<SpeechFailure> speechFailures, TurnMetrics metrics, List<ToolResult> toolResults) {
    this(turnId, sessionId, outcome, text, finishReason, usage, answerFromCache, speechFailures,
        metrics, toolResults, "", List.of());
  }

  /**
   * A result of a turn without tool calls.
   *
   * @param turnId the turn
   * @param sessionId its session
   * @param outcome {@link TurnOutcome#COMPLETED} or {@link TurnOutcome#CANCELLED}
   * @param text the full answer text as emitted (up to the cancel, if cancelled)
   * @param finishReason the LLM's {@code finish_reason}, {@code cancelled} if cancelled
   * @param usage token usage, {@link TokenUsage#NONE} when not reported
   * @param answerFromCache whether the answer came from the answer cache
   * @param speechFailures chunks whose audio could not be synthesised; not null, may be empty
   * @param metrics timings and counts of this turn
   */
  public TurnResult(String turnId, String sessionId, TurnOutcome outcome, String text,
      String finishReason, TokenUsage usage, boolean answerFromCache,
      List<SpeechFailure> speechFailures, TurnMetrics metrics) {
    this(turnId, sessionId, outcome, text, finishReason, usage, answerFromCache, speechFailures,
        metrics, List.of(), "", List.of());
  }

  @Override
  public boolean terminal() {
    return true;
  }
}
