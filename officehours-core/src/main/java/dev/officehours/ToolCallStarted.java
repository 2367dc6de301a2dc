package dev.officehours;

import java.util.Objects;

/**
 * The model called a tool and the pipeline is running it (or about to report why it cannot): a
 * client may show "checking the calendar...". Its {@link ToolResult} follows before the turn's
 * terminal event, unless the turn is cancelled first: nothing of a cancelled turn follows its
 * cancel, so a client treats calls without a result as stopped when the turn is cancelled.
 *
 * @param turnId the turn
 * @param callId the model's id of the call, the same in its {@link ToolResult}; for a server that
 *     sends none, one the pipeline made ({@code call_<turn>_<round>_<index>})
 * @param toolName the tool the model called, as it named it (perhaps one the turn does not have)
 * @param arguments the arguments as the model wrote them, normally a JSON object
 * @param round the tool round, from 1: the model's first answer that called tools is round 1
 */
public record ToolCallStarted(String turnId, String callId, String toolName, String arguments,
    int round) implements TurnEvent {

  /**
   * Rejects {@code null}s.
   *
   * @param turnId the turn
   * @param callId the model's id of the call
   * @param toolName the tool the model called
   * @param arguments the arguments as the model wrote them
   * @param round the tool round, from 1
   */
  public ToolCallStarted {
    Objects.requireNonNull(turnId, "turnId");
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(arguments, "arguments");
  }
}
