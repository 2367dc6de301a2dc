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
    List<ToolResult> toolResults) implements TurnEvent {

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
   */
  public TurnResult {
    speechFailures = List.copyOf(speechFailures);
    toolResults = List.copyOf(toolResults);
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
        metrics, List.of());
  }

  @Override
  public boolean terminal() {
    return true;
  }
}
