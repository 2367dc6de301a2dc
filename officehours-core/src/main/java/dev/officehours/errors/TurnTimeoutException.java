package dev.officehours.errors;

import java.time.Duration;

/** A turn ran past its deadline (default 30 s); its calls were cancelled. */
public final class TurnTimeoutException extends OfficeHoursException {
  private static final long serialVersionUID = 1L;

  /** The deadline that was exceeded. */
  private final Duration deadline;

  /**
   * Creates the exception without a cause.
   *
   * @param deadline the deadline that was exceeded
   */
  public TurnTimeoutException(Duration deadline) {
    this(deadline, null);
  }

  /**
   * Creates the exception with what was still running.
   *
   * @param deadline the deadline that was exceeded
   * @param cause what was still running at the deadline (a provider's own timeout), or {@code null}
   */
  public TurnTimeoutException(Duration deadline, Throwable cause) {
    super(Stage.PIPELINE, "turn exceeded its deadline of " + deadline.toMillis() + " ms", cause);
    this.deadline = deadline;
  }

  /**
   * The deadline that was exceeded.
   *
   * @return the turn deadline in force, as set by the pipeline builder's {@code turnDeadline}
   */
  public Duration deadline() {
    return deadline;
  }

  @Override
  public boolean retryable() {
    return true;
  }
}
