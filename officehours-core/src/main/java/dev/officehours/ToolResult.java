package dev.officehours;

import dev.officehours.tools.ToolStatus;
import java.time.Duration;
import java.util.Objects;

/**
 * A tool call ended: its result, or why there is none. {@link #result()} is exactly what the
 * model is told, so an error reads as a sentence the model can act on.
 *
 * @param turnId the turn
 * @param callId the model's id of the call, as in its {@link ToolCallStarted}
 * @param toolName the tool the model called
 * @param status how it ended
 * @param result what the model is told: the tool's result, or a JSON object with an {@code error}
 * @param truncated whether the result was cut to the pipeline's limit (a note says so)
 * @param duration from the call's start to its end; zero for a call that was not run
 */
public record ToolResult(String turnId, String callId, String toolName, ToolStatus status,
    String result, boolean truncated, Duration duration) implements TurnEvent {

  /**
   * Rejects {@code null}s.
   *
   * @param turnId the turn
   * @param callId the model's id of the call
   * @param toolName the tool the model called
   * @param status how it ended
   * @param result what the model is told
   * @param truncated whether the result was cut to the limit
   * @param duration how long the call ran
   */
  public ToolResult {
    Objects.requireNonNull(turnId, "turnId");
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(duration, "duration");
  }

  /**
   * Whether the tool returned a result.
   *
   * @return true for {@link ToolStatus#OK}
   */
  public boolean ok() {
    return status == ToolStatus.OK;
  }
}
