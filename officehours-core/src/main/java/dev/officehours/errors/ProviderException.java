package dev.officehours.errors;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A remote provider (LLM, TTS, STT) failed: a connection error, an HTTP error status, or an
 * error payload inside a stream. Carries what the provider said, so callers can decide without
 * parsing messages: the HTTP status, the provider's error type, code and message, whether a retry
 * may succeed and how long the provider asked to wait.
 *
 * <p>{@link #attempts()} says how many requests the provider made for the call, retries
 * included, so a caller with retries of its own can keep one budget across both layers.
 *
 * <p>The message and {@link #toString()} never contain credentials.
 */
public class ProviderException extends OfficeHoursException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status of the failed call, 0 when there was none. */
  private final int status;
  /** The provider's error type, or null. */
  private final String errorType;
  /** The provider's error code, or null. */
  private final String errorCode;
  /** The provider's own error message, or null. */
  private final String providerMessage;
  /** Whether a later identical call may succeed. */
  private final boolean retryable;
  /** The wait the provider asked for, or null. */
  private final Duration retryAfter;
  /** How many requests the provider made for the call, retries included. */
  private final int attempts;
  /** The short description the message starts with; kept for toBuilder(). */
  private final String summary;

  private ProviderException(Builder b) {
    super(b.stage, b.describe(), b.cause);
    this.summary = b.summary;
    this.attempts = b.attempts;
    this.status = b.status;
    this.errorType = b.errorType;
    this.errorCode = b.errorCode;
    this.providerMessage = b.providerMessage;
    this.retryable = b.retryable;
    this.retryAfter = b.retryAfter;
  }

  /**
   * Starts a provider exception for {@code stage}.
   *
   * @param stage the stage of the failing provider ({@code LLM}, {@code TTS}, {@code STT})
   * @param summary a short description such as "chat completion failed"; the message adds the
   *     status, error code or type and the provider's message to it
   * @return a builder
   */
  public static Builder builder(Stage stage, String summary) {
    return new Builder(stage, summary);
  }

  /**
   * The HTTP status of the failed call.
   *
   * @return the status code, or empty for connection errors and in-stream errors
   */
  public OptionalInt status() {
    return status > 0 ? OptionalInt.of(status) : OptionalInt.empty();
  }

  /**
   * The provider's error type.
   *
   * @return e.g. {@code "invalid_request_error"} or {@code "server_error"}; empty when the
   *     provider sent none
   */
  public Optional<String> errorType() {
    return Optional.ofNullable(errorType);
  }

  /**
   * The provider's error code.
   *
   * @return e.g. {@code "rate_limit_exceeded"} or {@code "invalid_api_key"}; empty when the
   *     provider sent none
   */
  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  /**
   * The provider's own error message, as it sent it.
   *
   * @return the message, or empty when the provider sent none
   */
  public Optional<String> providerMessage() {
    return Optional.ofNullable(providerMessage);
  }

  @Override
  public boolean retryable() {
    return retryable;
  }

  /**
   * How long the provider asked callers to wait ({@code Retry-After}, {@code retry-after-ms}).
   *
   * @return the wait, or empty when the provider named none
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * How many requests the provider made for this call, the failed one and any retries included:
   * 1 when it did not retry (and for exceptions whose provider does not count), 0 when none
   * could be sent (the deadline had already passed).
   *
   * @return the number of requests made, at least 0
   */
  public int attempts() {
    return attempts;
  }

  /**
   * A builder holding every field of this exception, its cause included, to derive a copy that
   * differs in some of them.
   *
   * @return a new builder with this exception's values
   */
  public Builder toBuilder() {
    Builder b = new Builder(stage(), summary);
    b.status = status;
    b.errorType = errorType;
    b.errorCode = errorCode;
    b.providerMessage = providerMessage;
    b.retryable = retryable;
    b.retryAfter = retryAfter;
    b.attempts = attempts;
    b.cause = getCause();
    return b;
  }

  /** Builds a {@link ProviderException}; every setter is optional. */
  public static final class Builder {
    private final Stage stage;
    private final String summary;
    private int status;
    private String errorType;
    private String errorCode;
    private String providerMessage;
    private boolean retryable;
    private Duration retryAfter;
    private int attempts = 1;
    private Throwable cause;

    private Builder(Stage stage, String summary) {
      this.stage = stage;
      this.summary = summary;
    }

    /**
     * Sets the HTTP status of the failed call.
     *
     * @param status the HTTP status code; 0 (the default) for none
     * @return this builder
     */
    public Builder status(int status) {
      this.status = status;
      return this;
    }

    /**
     * Sets the provider's error type.
     *
     * @param errorType the provider's error type, or {@code null} for none
     * @return this builder
     */
    public Builder errorType(String errorType) {
      this.errorType = errorType;
      return this;
    }

    /**
     * Sets the provider's error code.
     *
     * @param errorCode the provider's error code, or {@code null} for none
     * @return this builder
     */
    public Builder errorCode(String errorCode) {
      this.errorCode = errorCode;
      return this;
    }

    /**
     * Sets the provider's own error message. It goes into the exception's message: it must not
     * contain credentials.
     *
     * @param providerMessage the provider's error message, or {@code null} for none
     * @return this builder
     */
    public Builder providerMessage(String providerMessage) {
      this.providerMessage = providerMessage;
      return this;
    }

    /**
     * Sets whether the failure is worth retrying.
     *
     * @param retryable whether a later identical call may succeed (default false)
     * @return this builder
     */
    public Builder retryable(boolean retryable) {
      this.retryable = retryable;
      return this;
    }

    /**
     * Sets the wait the provider asked for.
     *
     * @param retryAfter the wait the provider asked for, or {@code null} (the default) for none
     * @return this builder
     */
    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
      return this;
    }

    /**
     * Sets how many requests were made for the call.
     *
     * @param attempts how many requests the provider made for the call, retries included;
     *     default 1
     * @return this builder
     * @throws IllegalArgumentException when negative
     */
    public Builder attempts(int attempts) {
      if (attempts < 0) {
        throw new IllegalArgumentException("attempts must not be negative but was " + attempts);
      }
      this.attempts = attempts;
      return this;
    }

    /**
     * Sets the underlying exception.
     *
     * @param cause the underlying exception, or {@code null} (the default) for none
     * @return this builder
     */
    public Builder cause(Throwable cause) {
      this.cause = cause;
      return this;
    }

    /**
     * Builds the exception.
     *
     * @return the exception, its message made from the summary and the values set
     */
    public ProviderException build() {
      return new ProviderException(this);
    }

    private String describe() {
      StringBuilder sb = new StringBuilder(summary);
      if (status > 0) {
        sb.append(" (HTTP ").append(status).append(')');
      }
      if (errorCode != null) {
        sb.append(" [").append(errorCode).append(']');
      } else if (errorType != null) {
        sb.append(" [").append(errorType).append(']');
      }
      if (providerMessage != null) {
        sb.append(": ").append(providerMessage);
      }
      return sb.toString();
    }
  }
}
