package dev.officehours.fallback;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.TurnTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Which errors move a call to the next provider, and the errors a chain makes itself. */
final class Failover {
  private Failover() {}

  /**
   * The default rule: every failure of the provider fails over; the caller's own mistakes do not
   * (another provider would reject the same request), nor does a turn out of time.
   */
  static boolean byDefault(OfficeHoursException e) {
    if (e instanceof InvalidRequestException || e instanceof TurnTimeoutException
        || e.stage() == Stage.VALIDATION) {
      return false;
    }
    if (e instanceof ProviderException p && p.status().isPresent()) {
      int status = p.status().getAsInt();
      if (status >= 400 && status < 500) {
        // timeout, conflict and rate limit are the provider's state, not the request's fault
        return status == 408 || status == 409 || status == 429;
      }
    }
    return true;
  }

  static OfficeHoursException attemptTimedOut(Stage stage, String provider, Duration timeout,
      String what) {
    return new LimitExceededException(stage, "attemptTimeout", timeout.toMillis(),
        "no " + what + " from provider " + provider + " within " + timeout.toMillis()
            + " ms (setting: attemptTimeout)");
  }

  /** The error to report when the chain gives up: the last one, counting every request made. */
  static OfficeHoursException lastError(OfficeHoursException last, int attemptsMade) {
    if (attemptsMade > 1 && last instanceof ProviderException p && p.attempts() < attemptsMade) {
      // one budget across the chain and the pipeline: the pipeline does not retry a whole chain
      return p.toBuilder().attempts(attemptsMade).build();
    }
    return last;
  }

  static OfficeHoursException asOfficeHours(Stage stage, Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof OfficeHoursException oe) {
      return oe;
    }
    return ProviderException.builder(stage, stage + " provider failed: " + cause.getClass().getName())
        .retryable(true).cause(cause).build();
  }
}
