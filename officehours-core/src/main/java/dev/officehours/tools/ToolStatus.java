package dev.officehours.tools;

/** How one tool call ended, as the listener and the metrics see it. */
public enum ToolStatus {
  /** The tool returned a result. */
  OK,
  /** The tool threw, or its future failed; the model was told the error. */
  FAILED,
  /** The arguments were not a JSON object, or did not match the tool's schema; not run. */
  INVALID_ARGUMENTS,
  /** The model called a tool this turn does not have; nothing was run. */
  UNKNOWN_TOOL,
  /** The tool did not answer within its timeout; the model was told so. */
  TIMED_OUT,
  /**
   * The turn ended (failed, or reached its deadline) before the call had a result, or the call
   * was not started because the turn had ended. A barge-in ends the turn too, but no event
   * follows a cancel: such a call shows as cancelled in the turn's result and history.
   */
  CANCELLED,
  /** The turn had used all its tool rounds; the call was not run. */
  ROUND_LIMIT,
  /** The model made more calls in one answer than the pipeline runs; this one was not run. */
  CALL_LIMIT;

  /**
   * This status as a metrics tag and wire name.
   *
   * @return the name in lower case with dashes, e.g. {@code invalid-arguments}
   */
  public String tagValue() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
