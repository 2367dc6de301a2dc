package dev.officehours.metrics;

/** How a turn ended. */
public enum TurnOutcome {
  /** The answer was generated to its end (some chunks' speech may still have failed). */
  COMPLETED,
  /** The turn was cancelled (barge-in, or the caller). */
  CANCELLED,
  /** The turn failed: the LLM call failed or the deadline passed. */
  FAILED
}
