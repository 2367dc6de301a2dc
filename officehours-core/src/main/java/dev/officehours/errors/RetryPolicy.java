package dev.officehours.errors;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When and how a provider call is retried. The whole policy is here, in one place:
 *
 * <ul>
 *   <li><b>What</b>: connection failures (refused, reset, DNS, connect timeout) and HTTP 408, 409,
 *       429 and every 5xx. Nothing else: a 400 or 401 will fail the same way again.
 *   <li><b>When</b>: only before the first token (LLM) or the first audio byte (TTS) reached the
 *       pipeline. Once output has been delivered a retry would repeat it, so the error is reported.
 *   <li><b>How often</b>: {@link #maxRetries()} times (default 1).
 *   <li><b>How long to wait</b>: the provider's {@code retry-after-ms} or {@code Retry-After}
 *       header when present, else an exponential backoff from {@link #initialBackoff()} (0.5 s,
 *       then doubling) capped at {@link #maxBackoff()}.
 *   <li><b>When not to wait</b>: a provider that asks for longer than {@link #maxBackoff()} is
 *       not retried early against its word, and not waited for either: the error is reported at
 *       once. Neither is a wait that would end after the call's deadline started. {@link
 *       #retryDelay} decides both.
 *   <li><b>One budget</b>: the error a caller gets says in {@link ProviderException#attempts()}
 *       how many requests were made, so a caller that retries too can count the provider's.
 * </ul>
 *
 * @param maxRetries how many times a failed call is repeated, 0 to disable retries
 * @param initialBackoff the wait before the first retry when the provider names none
 * @param maxBackoff the longest wait between attempts; a provider asking for longer gets no retry
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {

  /** One retry, 500 ms backoff, waits capped at 8 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(1, Duration.ofMillis(500), Duration.ofSeconds(8));

  /** No retries at all. */
  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

  /**
   * Validates every argument and names the one that is wrong.
   *
   * @param maxRetries how many times a failed call is repeated, 0..10
   * @param initialBackoff the wait before the first retry when the provider names none; not
   *     negative
   * @param maxBackoff the longest wait between attempts; not shorter than {@code initialBackoff}
   * @throws IllegalArgumentException when a value is out of range
   */
  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxRetries < 0 || maxRetries > 10) {
      throw new IllegalArgumentException("maxRetries must be in 0..10 but was " + maxRetries);
    }
    if (initialBackoff.isNegative()) {
      throw new IllegalArgumentException("initialBackoff must not be negative but was " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff (" + maxBackoff + ") must not be shorter than initialBackoff (" + initialBackoff + ")");
    }
  }

  /**
   * Whether an HTTP status is one this policy retries: 408, 409, 429 and 5xx.
   *
   * @param status an HTTP status code
   * @return true when a call that failed with it may be retried
   */
  public static boolean isRetryableStatus(int status) {
    return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
  }

  /**
   * The wait before retry number {@code attempt} (1-based), capped at {@link #maxBackoff()}. It
   * does not decide whether to retry: {@link #retryDelay} does, and refuses where this caps.
   *
   * @param attempt 1 for the first retry
   * @param providerAsked the wait the provider asked for, or {@code null}
   * @return the wait, never longer than {@link #maxBackoff()}
   */
  public Duration backoff(int attempt, Duration providerAsked) {
    Duration wait;
    if (providerAsked != null && !providerAsked.isNegative()) {
      wait = providerAsked;
    } else {
      wait = initialBackoff.multipliedBy(1L << Math.min(Math.max(attempt - 1, 0), 20));
    }
    return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
  }

  /**
   * Whether to retry after a retryable failure, and after how long: the wait {@link #backoff}
   * gives, unless the provider asked for longer than {@link #maxBackoff()} or the wait would not
   * end before the deadline. The count of retries ({@link #maxRetries()}) is the caller's to
   * check.
   *
   * @param attempt 1 for the first retry
   * @param providerAsked the wait the provider asked for, or {@code null}
   * @param timeLeft the time left until the call's deadline
   * @return the wait before the retry, or empty when there must be no retry
   */
  public Optional<Duration> retryDelay(int attempt, Duration providerAsked,
      Duration timeLeft) {
    Objects.requireNonNull(timeLeft, "timeLeft");
    if (providerAsked != null && providerAsked.compareTo(maxBackoff) > 0) {
      return Optional.empty();
    }
    Duration wait = backoff(attempt, providerAsked);
    return wait.compareTo(timeLeft) < 0 ? Optional.of(wait) : Optional.empty();
  }
}
