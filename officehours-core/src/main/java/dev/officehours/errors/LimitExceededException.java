package dev.officehours.errors;

import java.util.Objects;

/**
 * Something a provider sent went past one of the pipeline's limits (audio far longer than its
 * text, a response without end). The connection was closed and nothing past the limit was kept.
 * The message names the limit and the setting that changes it.
 */
public final class LimitExceededException extends OfficeHoursException {
  private static final long serialVersionUID = 1L;

  /** The builder setting that sets the limit. */
  private final String setting;
  /** The limit that was passed, in the unit the message names. */
  private final long limit;

  /**
   * Creates the exception.
   *
   * @param stage where the limit was hit
   * @param setting the builder setting that sets the limit, e.g. {@code speechAudioLimit}
   * @param limit the limit that was passed, in the unit the message names
   * @param message a description naming the limit, free of secrets
   */
  public LimitExceededException(Stage stage, String setting, long limit, String message) {
    super(stage, message);
    this.setting = Objects.requireNonNull(setting, "setting");
    this.limit = limit;
  }

  /**
   * The builder setting that sets this limit.
   *
   * @return e.g. {@code speechAudioLimit}
   */
  public String setting() {
    return setting;
  }

  /**
   * The limit that was passed.
   *
   * @return the limit, in the unit the message names
   */
  public long limit() {
    return limit;
  }
}
