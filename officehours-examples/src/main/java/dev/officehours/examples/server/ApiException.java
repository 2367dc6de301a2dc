package dev.officehours.examples.server;

import java.util.Objects;

/**
 * A request the server refuses or a failure it reports, with the stable {@code code} a client can
 * act on. Over HTTP it becomes {@code status} and a JSON body; over the WebSocket an {@code error}
 * message (see {@code docs/http-api.md}).
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String field;
  private final long retryAfterMillis;

  /**
   * @param status the HTTP status it answers with
   * @param code the stable error code, e.g. {@code text_too_long}
   * @param message what went wrong, for people; never a secret
   */
  ApiException(int status, String code, String message) {
    this(status, code, message, null, -1);
  }

  /**
   * @param status the HTTP status it answers with
   * @param code the stable error code
   * @param message what went wrong, for people
   * @param field the request field at fault, or null
   * @param retryAfterMillis when to retry, or -1
   */
  ApiException(int status, String code, String message, String field, long retryAfterMillis) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.status = status;
    this.code = Objects.requireNonNull(code, "code");
    this.field = field;
    this.retryAfterMillis = retryAfterMillis;
  }

  /** A 400 about one field. */
  static ApiException badField(String field, String code, String message) {
    return new ApiException(400, code, message, field, -1);
  }

  /** @return the HTTP status */
  int status() {
    return status;
  }

  /** @return the stable error code */
  String code() {
    return code;
  }

  /** @return the field at fault, or null */
  String field() {
    return field;
  }

  /** @return milliseconds until a retry may succeed, or -1 */
  long retryAfterMillis() {
    return retryAfterMillis;
  }
}
