package dev.officehours.openai;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.internal.Http;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider call with its retries: sends the request, maps failures, retries per the
 * {@link RetryPolicy} while nothing has been delivered yet, and guarantees exactly one terminal
 * callback and nothing after {@link #cancel()}.
 *
 * <p>No thread sleeps between attempts: a retry is scheduled on the shared scheduler, which only
 * enqueues the next HTTP call. Every attempt's call timeout is the time left until the deadline,
 * and a retry whose wait would end after the deadline, or that the provider asked to delay longer
 * than the policy's longest wait, is not started ({@link RetryPolicy#retryDelay}). The error
 * delivered says how many requests were sent ({@link ProviderException#attempts()}).
 *
 * <p>The body of a successful response is read by {@link #onSuccess} on OkHttp's dispatcher
 * thread (a virtual thread on Java 21+).
 */
abstract class Exchange implements Callback {
  /** Deadlines further out than this are treated as this far out (keeps nanoTime math safe). */
  private static final Duration MAX_WAIT = Duration.ofDays(1);

  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  final Stage stage;
  final String summary;
  final Endpoint endpoint;
  private final OkHttpClient client;
  private final Request request;
  private final RetryPolicy retryPolicy;
  private final long deadlineNanos;

  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile Call current;
  private volatile ScheduledFuture<?> pendingRetry;
  private int retries;
  private final AtomicInteger requestsSent = new AtomicInteger();

  Exchange(Stage stage, String summary, Endpoint endpoint, OkHttpClient client, Request request,
      RetryPolicy retryPolicy, long deadlineNanos) {
    this.stage = stage;
    this.summary = summary;
    this.endpoint = endpoint;
    this.client = client;
    this.request = request;
    this.retryPolicy = retryPolicy;
    this.deadlineNanos = deadlineNanos;
  }

  /** Reads a successful response; calls {@link #finish} or {@link #fail} (or throws). */
  abstract void onSuccess(Response response) throws IOException;

  /** Whether any output (a token, an audio byte) has reached the caller: no retry after that. */
  abstract boolean outputDelivered();

  /** Delivers the terminal error to the caller; called at most once, never after cancel. */
  abstract void deliverError(OfficeHoursException error);

  /** Starts the first attempt. */
  final void start() {
    if (deadlinePassed()) {
      // Report the spent deadline from another thread: no callback runs before start returns.
      Http.scheduler().execute(this::send);
    } else {
      send();
    }
  }

  final boolean isCancelled() {
    return cancelled;
  }

  /** Cancels at once: closes the connection, drops a pending retry; no callback follows. */
  public final void cancel() {
    cancelled = true;
    Call call = current;
    if (call != null) {
      call.cancel();
    }
    ScheduledFuture<?> retry = pendingRetry;
    if (retry != null) {
      retry.cancel(false);
    }
  }

  /**
   * Closes the connection of the response being read at once, for a response that is abandoned
   * part-way (over a limit, not what was asked for). Closing the body alone would first try to
   * read and discard the rest of it.
   */
  final void closeConnection() {
    Call call = current;
    if (call != null) {
      call.cancel();
    }
  }

  /**
   * Claims the single terminal callback.
   *
   * @return true when the caller may deliver its terminal callback now
   */
  final boolean finish() {
    return !cancelled && finished.compareAndSet(false, true);
  }

  /** Reports an error, or retries when it is retryable and nothing was delivered yet. */
  final void fail(ProviderException error) {
    if (cancelled || finished.get()) {
      return;
    }
    if (error.retryable() && !outputDelivered() && retries < retryPolicy.maxRetries()) {
      Duration asked = error.retryAfter().orElse(null);
      Optional<Duration> delay = retryPolicy.retryDelay(retries + 1, asked,
          Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
      if (delay.isPresent()) {
        Duration wait = delay.get();
        retries++;
        log.debug("{} failed ({}), retry {} of {} in {} ms", summary, error.getMessage(), retries,
            retryPolicy.maxRetries(), wait.toMillis());
        try {
          pendingRetry = Http.scheduler().schedule(this::send, wait.toNanos(),
              TimeUnit.NANOSECONDS);
          if (cancelled) {
            pendingRetry.cancel(false);
          }
          return;
        } catch (RejectedExecutionException e) {
          // fall through and report the error
        }
      } else {
        log.debug("{} failed ({}); no retry: the wait ({}) is longer than the policy allows or"
            + " would pass the deadline", summary, error.getMessage(),
            asked != null ? asked : retryPolicy.backoff(retries + 1, null));
      }
    }
    if (finish()) {
      deliverError(withAttempts(error));
    }
  }

  private ProviderException withAttempts(ProviderException error) {
    int sent = requestsSent.get();
    if (error.attempts() == sent) {
      return error;
    }
    ProviderException counted = error.toBuilder().attempts(sent).build();
    counted.setStackTrace(error.getStackTrace());
    return counted;
  }

  private void send() {
    if (cancelled) {
      return;
    }
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      fail(Errors.fromIo(stage, summary, new IOException("deadline"), outputDelivered(), true));
      return;
    }
    Call call = client.newCall(request);
    call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
    current = call;
    if (cancelled) {
      call.cancel();
      return;
    }
    requestsSent.incrementAndGet();
    call.enqueue(this);
  }

  @Override
  public final void onFailure(Call call, IOException e) {
    if (cancelled) {
      return;
    }
    fail(Errors.fromIo(stage, summary, e, outputDelivered(), deadlinePassed()));
  }

  @Override
  public final void onResponse(Call call, Response response) {
    try (response) {
      if (cancelled) {
        return;
      }
      if (!response.isSuccessful()) {
        fail(Errors.fromResponse(stage, summary, response, endpoint));
        return;
      }
      onSuccess(response);
    } catch (IOException e) {
      if (!cancelled) {
        fail(Errors.fromIo(stage, summary, e, outputDelivered(), deadlinePassed()));
      }
    } catch (RuntimeException e) {
      // A bug or a listener that threw: report it rather than leave the caller waiting.
      if (!cancelled && finish()) {
        deliverError(ProviderException.builder(stage, summary + ": unexpected failure")
            .attempts(requestsSent.get()).cause(e).build());
      }
    }
  }

  private boolean deadlinePassed() {
    return System.nanoTime() - deadlineNanos >= 0;
  }

  /** The deadline as a {@link System#nanoTime()} value: {@code deadline} or now + timeout. */
  static long deadlineNanos(Optional<java.time.Instant> deadline, Duration timeout) {
    long now = System.nanoTime();
    if (deadline.isPresent()) {
      Duration left = Duration.between(java.time.Instant.now(), deadline.get());
      if (left.isNegative()) {
        return now;
      }
      return now + (left.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : left).toNanos();
    }
    return now + timeout.toNanos();
  }
}
