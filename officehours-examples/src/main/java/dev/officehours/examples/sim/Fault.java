package dev.officehours.examples.sim;

/**
 * A failure the simulated server can inject, with the status and OpenAI-style error it sends.
 * HTTP faults answer the request with an error status and an OpenAI error body; a stream error
 * starts a normal answer and then sends an {@code error} event in the middle of the stream.
 */
public enum Fault {
  /** HTTP 500, {@code server_error}. */
  HTTP_500(500, "server_error", "simulated_server_error", "The simulated server had an error while processing your request."),
  /** HTTP 429, rate limited, with {@code retry-after-ms: 100}. */
  HTTP_429(429, "requests", "rate_limit_exceeded", "Simulated rate limit reached. Please try again in 100ms."),
  /** HTTP 503, overloaded. */
  HTTP_503(503, "server_error", "overloaded", "The simulated engine is currently overloaded, please try again later."),
  /** An {@code error} event after half of the answer's tokens (chat completions only). */
  STREAM_ERROR(0, "server_error", "simulated_stream_error", "The simulated stream was interrupted by an error.");

  private final int status;
  private final String type;
  private final String code;
  private final String message;

  Fault(int status, String type, String code, String message) {
    this.status = status;
    this.type = type;
    this.code = code;
    this.message = message;
  }

  /** The HTTP status sent, 0 for {@link #STREAM_ERROR} (the stream itself starts with 200). */
  int status() {
    return status;
  }

  /** The OpenAI error {@code type}. */
  String type() {
    return type;
  }

  /** The OpenAI error {@code code}. */
  String code() {
    return code;
  }

  /** The error message sent. */
  String message() {
    return message;
  }

  String errorJson() {
    return "{\"error\":{\"message\":" + Json.quote(message) + ",\"type\":" + Json.quote(type)
        + ",\"param\":null,\"code\":" + Json.quote(code) + "}}";
  }
}
