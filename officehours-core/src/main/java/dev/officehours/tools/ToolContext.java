package dev.officehours.tools;

import java.time.Instant;

/**
 * The turn and call a tool runs for. A long-running tool checks {@link #isCancelled()} or
 * registers {@link #onCancel} so that a barge-in stops its work.
 */
public interface ToolContext {

  /**
   * The turn that called the tool.
   *
   * @return the turn's id
   */
  String turnId();

  /**
   * The session of that turn, e.g. to look up the caller's account.
   *
   * @return the session id
   */
  String sessionId();

  /**
   * The model's id of this call.
   *
   * @return the call id, as quoted in the result sent back to the model
   */
  String callId();

  /**
   * The tool's name.
   *
   * @return the name the model called
   */
  String toolName();

  /**
   * When the pipeline stops waiting for this call and tells the model it timed out.
   *
   * @return the call's deadline
   */
  Instant deadline();

  /**
   * Whether the pipeline no longer wants the result: the turn was cancelled or the call timed
   * out. Only a cancellable tool is told; an uncancellable one always runs to its end.
   *
   * @return true once cancelled
   */
  boolean isCancelled();

  /**
   * Runs {@code action} when the call is cancelled (at once if it already was), on the thread
   * that cancels. It must be fast and must not throw.
   *
   * @param action what to do on cancel, e.g. cancel an HTTP call; not null
   */
  void onCancel(Runnable action);
}
