package dev.officehours.errors;

/**
 * A request was rejected before any network call because an argument is invalid: blank or
 * over-long text, a malformed session id, an image that is not an image or is too large.
 * Nothing was written to history.
 */
public final class InvalidRequestException extends OfficeHoursException {
  private static final long serialVersionUID = 1L;

  /** The name of the rejected argument. */
  private final String field;

  /**
   * Creates the exception.
   *
   * @param field the name of the offending argument, e.g. {@code "sessionId"}
   * @param message what is wrong with it
   */
  public InvalidRequestException(String field, String message) {
    super(Stage.VALIDATION, message);
    this.field = field;
  }

  /**
   * The name of the argument that was rejected.
   *
   * @return e.g. {@code "text"} or {@code "image"}
   */
  public String field() {
    return field;
  }
}
