package dev.officehours.internal;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The one HTTP client every built-in provider shares, and the one scheduler that delays retries.
 *
 * <p>Why these settings: a voice pipeline runs many short, concurrent streaming calls to the same
 * few hosts (one chat stream and several TTS calls per turn), so OkHttp's default limit of 5
 * concurrent calls per host would queue TTS behind each other and add latency to every turn. Idle
 * connections are kept warm (see {@link #KEEP_ALIVE}) so the next turn skips the TCP and TLS
 * handshakes. There is no call
 * timeout on the client: each call sets its own from the turn's deadline ({@code
 * call.timeout()}); the read timeout only catches a server that stalls mid-stream.
 */
public final class Http {
  /** Connect timeout of the shared client. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** The longest silence tolerated while reading a response. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
  /**
   * Idle connections the shared client keeps: over HTTP/1.1 a turn holds a chat stream and up to
   * three speech streams, each on its own connection, so a small pool closes most of them after
   * every burst of turns and reconnects for the next (measured: 480 new connections per round of
   * 100 turns with 20). Kept only if once needed, so the size costs nothing at low load.
   */
  public static final int MAX_IDLE_CONNECTIONS = 1024;
  /**
   * How long an idle connection is kept. Some servers close idle connections sooner (uvicorn,
   * so vLLM, after 5 s): OkHttp checks a pooled connection before it sends a POST on it, so that
   * costs a new connection, not a failed call.
   */
  public static final Duration KEEP_ALIVE = Duration.ofSeconds(60);
  /** Calls in flight at once, in all and per host, before the dispatcher queues them. */
  public static final int MAX_CONCURRENT_CALLS = 16_384;

  private Http() {}

  private static final class ClientHolder {
    static final OkHttpClient CLIENT = newClient();
  }

  private static final class SchedulerHolder {
    static final ScheduledExecutorService SCHEDULER = newScheduler();
  }

  /** The shared client; derive variants with {@link OkHttpClient#newBuilder()}. */
  public static OkHttpClient sharedClient() {
    return ClientHolder.CLIENT;
  }

  /**
   * A shared single daemon thread that only schedules delayed work (retries); tasks it runs must
   * not block (they enqueue an HTTP call and return).
   */
  public static ScheduledExecutorService scheduler() {
    return SchedulerHolder.SCHEDULER;
  }

  /** Whether the dispatcher of the shared client runs calls on virtual threads. */
  public static boolean usesVirtualThreads() {
    try {
      Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static OkHttpClient newClient() {
    Dispatcher dispatcher = new Dispatcher(newDispatcherExecutor());
    dispatcher.setMaxRequests(MAX_CONCURRENT_CALLS);
    dispatcher.setMaxRequestsPerHost(MAX_CONCURRENT_CALLS);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS))
        .connectTimeout(CONNECT_TIMEOUT)
        .readTimeout(READ_TIMEOUT)
        .writeTimeout(READ_TIMEOUT)
        .callTimeout(Duration.ZERO)
        .retryOnConnectionFailure(true)
        .build();
  }

  /** A new executor for an OkHttp dispatcher: virtual threads on Java 21+, else daemon threads. */
  public static ExecutorService newDispatcherExecutor() {
    ExecutorService virtual = virtualThreadExecutor();
    if (virtual != null) {
      return virtual;
    }
    return Executors.newCachedThreadPool(daemonThreads("officehours-http-"));
  }

  /** Java 21+ virtual threads, found by reflection so the library still runs on Java 17. */
  private static ExecutorService virtualThreadExecutor() {
    try {
      Method m = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      return (ExecutorService) m.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static ScheduledExecutorService newScheduler() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1, daemonThreads("officehours-retry-"));
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /** A factory of daemon threads named {@code prefix + N}, N counting from 1. */
  public static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
