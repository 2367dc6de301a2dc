package dev.officehours.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection to Redis behind a health gate, shared by every store of one
 * {@link OfficeHoursRedis}. It does three things lettuce does not:
 *
 * <ul>
 *   <li><b>Connects in the background.</b> The first connection is retried (backing off up to
 *       the reconnect delay) until Redis is there; until then every command fails at once.
 *   <li><b>Fails fast while Redis is hung.</b> The first command that times out closes the gate:
 *       reads still waiting are failed at once, and later commands fail without being sent, until
 *       a {@code TIME} probe (one at a time, bounded by the command timeout, every probe interval)
 *       is answered. A hung Redis so costs one timeout, not one per lookup.
 *   <li><b>Writes carry their own deadline.</b> A write is a Lua script that first compares the
 *       server's {@code TIME} with a deadline in server time and does nothing once it has passed.
 *       The deadline is the moment the write is reported failed by timeout, converted with the
 *       measured clock offset and lowered by the offset's uncertainty and the skew allowance, so a
 *       write reported dropped cannot land later, whether Redis resumes after a stall or lettuce
 *       re-sends it after a reconnect. A failure that leaves open whether the write was sent
 *       (connection lost) is reported at that deadline, not before.
 * </ul>
 *
 * <p>No thread waits per command: each command has a timer on one scheduler thread, cancelled when
 * the answer comes.
 */
final class RedisLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OfficeHoursRedis.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** A connection and its commands (standalone, Sentinel and Cluster share this interface). */
  record Connected(StatefulConnection<byte[], byte[]> connection,
      RedisClusterAsyncCommands<byte[], byte[]> commands) {}

  /** The timings of a link, validated by the builder. */
  record Settings(Duration commandTimeout, Duration probeInterval, Duration clockSyncInterval,
      Duration clockSkewAllowance, Duration maxReconnectDelay) {}

  private final String description;
  private final Supplier<CompletableFuture<Connected>> connector;
  private final long timeoutNanos;
  private final long probeIntervalNanos;
  private final long skewMicros;
  private final long maxRetryNanos;
  private final ScheduledThreadPoolExecutor scheduler;
  private final RateLimitedWarning connectWarning = new RateLimitedWarning(log, Duration.ofSeconds(10));
  private final RateLimitedWarning gateWarning = new RateLimitedWarning(log, Duration.ofSeconds(10));

  private volatile Connected connected;
  /** Null until measured on the current connection: writes are refused without it. */
  private volatile ServerClock clock;
  /** The gate: open (true) while Redis answers. */
  private final AtomicBoolean answering = new AtomicBoolean();
  /** Bumped by every connect and disconnect, so a probe answered across one does not open the gate. */
  private final AtomicLong epoch = new AtomicLong();
  private final AtomicBoolean probeInFlight = new AtomicBoolean();
  private ScheduledFuture<?> probeTimer; // guarded by this
  private ScheduledFuture<?> connectTimer; // guarded by this
  private final Set<CompletableFuture<?>> readsInFlight = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
  private final AtomicReference<Throwable> lastConnectFailure = new AtomicReference<>();
  private volatile long closedSinceNanos;
  private volatile boolean closed;

  /** Commands that waited the whole timeout (each one closes the gate if it was open). */
  final LongAdder timeouts = new LongAdder();
  /** Commands failed without being sent: not connected, or the gate was closed. */
  final LongAdder refused = new LongAdder();
  /** Reads failed early because another command's timeout closed the gate. */
  final LongAdder cutShort = new LongAdder();

  RedisLink(String description, Supplier<CompletableFuture<Connected>> connector, Settings settings) {
    this.description = description;
    this.connector = connector;
    this.timeoutNanos = settings.commandTimeout().toNanos();
    this.probeIntervalNanos = settings.probeInterval().toNanos();
    this.skewMicros = settings.clockSkewAllowance().toNanos() / 1000;
    this.maxRetryNanos = settings.maxReconnectDelay().toNanos();
    this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "officehours-redis-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    long sync = settings.clockSyncInterval().toNanos();
    scheduler.scheduleWithFixedDelay(this::syncClock, sync, sync, TimeUnit.NANOSECONDS);
  }

  /**
   * Reacts to the standalone connection dropping and coming back: the server behind it may have
   * changed (Sentinel failover), so the gate closes until its clock is measured again.
   */
  RedisConnectionStateListener connectionListener() {
    return new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler) {
        if (!closed && ours(handler)) {
          epoch.incrementAndGet();
          scheduleProbe(0);
        }
      }

      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
        if (!closed && ours(handler)) {
          epoch.incrementAndGet();
          closeGate("dropped the connection");
          clock = null;
          scheduleProbe(probeIntervalNanos);
        }
      }
    };
  }

  private boolean ours(RedisChannelHandler<?, ?> handler) {
    Connected c = connected;
    return c != null && c.connection() == handler;
  }

  /** Starts connecting and waits at most {@code limit} for the first attempt to succeed or fail. */
  void start(Duration limit) {
    connect(FIRST_RETRY_NANOS);
    try {
      firstAttempt.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // still connecting: the app starts anyway and Redis joins when it answers
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void connect(long nextRetryNanos) {
    if (closed) {
      return;
    }
    CompletableFuture<Connected> attempt;
    try {
      attempt = connector.get();
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    attempt.whenComplete((c, e) -> {
      if (e != null) {
        Throwable cause = unwrap(e);
        lastConnectFailure.set(cause);
        connectWarning.warn("Redis at " + description + " is not reachable; running without it "
            + "(cache misses, no shared history) and connecting in the background", cause);
        firstAttempt.complete(null);
        synchronized (this) {
          if (!closed) {
            connectTimer = schedule(() -> connect(Math.min(nextRetryNanos * 2, maxRetryNanos)), nextRetryNanos);
          }
        }
        return;
      }
      if (closed) {
        c.connection().closeAsync();
        return;
      }
      connected = c;
      log.info("Connected to Redis at {}", description);
      scheduleProbe(0);
    });
  }

  /** Whether commands are sent now: connected, and Redis answered the last probe or command in time. */
  boolean isAvailable() {
    return !closed && connected != null && answering.get();
  }

  /** Whether a connection is up now (it reconnects by itself when not). */
  boolean isConnected() {
    Connected c = connected;
    return c != null && c.connection().isOpen();
  }

  /** The last reason a connection attempt failed, if any (for tests: it must not carry secrets). */
  Throwable lastConnectFailure() {
    return lastConnectFailure.get();
  }

  /**
   * Sends a read (or an idempotent command whose late arrival is harmless) through the gate.
   *
   * @return its answer; fails at once when the gate is closed, within the command timeout otherwise
   */
  <T> CompletableFuture<T> read(Function<RedisClusterAsyncCommands<byte[], byte[]>, RedisFuture<T>> command) {
    Connected c = connected;
    if (c == null || !answering.get() || closed) {
      return refuse(c);
    }
    Call<T> call = new Call<>(true);
    if (!call.arm()) {
      return refuse(c);
    }
    readsInFlight.add(call.result);
    call.result.whenComplete((v, e) -> readsInFlight.remove(call.result));
    RedisFuture<T> sent;
    try {
      sent = command.apply(c.commands());
    } catch (RuntimeException e) {
      call.fail(e);
      return call.result;
    }
    sent.whenComplete((v, e) -> {
      if (e == null) {
        call.result.complete(v);
      } else {
        call.fail(unwrap(e));
      }
    });
    return call.result;
  }

  /**
   * Sends a guarded write: {@code script} gets the commands and the deadline (server µs since the
   * epoch, ASCII) to pass as {@code ARGV[1]} of a script that starts with {@link #DEADLINE_GUARD}
   * and returns 1 once applied.
   *
   * @return completes when applied; fails when refused, expired, failed by Redis, or timed out
   */
  CompletableFuture<Void> write(String what,
      BiFunction<RedisClusterAsyncCommands<byte[], byte[]>, byte[], RedisFuture<Long>> script) {
    return conditionalWrite(what, script).thenApply(answer -> null);
  }

  /**
   * Sends a guarded write that may decide for itself to change nothing: as {@link #write}, but
   * the script returns 1 once applied or any other value but 0 (which {@link #DEADLINE_GUARD}
   * returns when the deadline has passed) when it checked and left Redis as it was.
   *
   * @return the script's answer (never 0); fails when refused, expired, failed by Redis, or timed
   *     out, and then the script has not changed anything nor will it
   */
  CompletableFuture<Long> conditionalWrite(String what,
      BiFunction<RedisClusterAsyncCommands<byte[], byte[]>, byte[], RedisFuture<Long>> script) {
    Connected c = connected;
    ServerClock k = clock;
    if (c == null || k == null || !answering.get() || closed) {
      return refuse(c);
    }
    Call<Long> call = new Call<>(true);
    long reportAt = System.nanoTime() + timeoutNanos;
    if (!call.arm()) {
      return refuse(c);
    }
    // Every way this write can be reported failed happens at or after reportAt, unless Redis
    // said no itself; so the write must not apply at or after reportAt in our clock.
    long deadline = k.serverMicros(reportAt) - k.uncertaintyMicros(reportAt) - skewMicros;
    RedisFuture<Long> sent;
    try {
      sent = script.apply(c.commands(), Long.toString(deadline).getBytes(StandardCharsets.US_ASCII));
    } catch (RuntimeException e) {
      call.fail(e);
      return call.result;
    }
    // failed before dispatch returned: rejected by lettuce, never on the wire
    boolean neverSent = sent.isDone() && sent.toCompletableFuture().isCompletedExceptionally();
    sent.whenComplete((answer, e) -> {
      if (e == null) {
        if (answer != null && answer != 0L) {
          call.result.complete(answer);
        } else {
          call.fail(new RedisUnavailableException(what + " reached Redis at " + description
              + " after its deadline and was not applied"));
        }
      } else if (neverSent || unwrap(e) instanceof RedisCommandExecutionException) {
        call.fail(unwrap(e));
      } else {
        call.holdUntilDeadline(unwrap(e));
      }
    });
    return call.result;
  }

  /** Prefix of every write script: returns 0, doing nothing, once {@code ARGV[1]} (server µs) has passed. */
  static final String DEADLINE_GUARD =
      // Redis < 5 replicates scripts verbatim and refuses writes after TIME unless told to
      // replicate effects; later versions always do (the call is a no-op on 7).
      "if redis.replicate_commands then redis.replicate_commands() end\n"
      + "local now = redis.call('TIME')\n"
      + "if tonumber(now[1]) * 1000000 + tonumber(now[2]) >= tonumber(ARGV[1]) then return 0 end\n";

  private <T> CompletableFuture<T> refuse(Connected c) {
    refused.increment();
    String why = closed ? "this OfficeHoursRedis is closed"
        : c == null ? "Redis at " + description + " is not connected yet"
        : "Redis at " + description + " is not answering; commands fail fast until it answers a probe";
    return CompletableFuture.failedFuture(new RedisUnavailableException(why));
  }

  // ------------------------------------------------------------------ the gate

  /** Closes the gate; true if it was open. */
  private boolean closeGate(String why) {
    if (!answering.compareAndSet(true, false)) {
      return false;
    }
    closedSinceNanos = System.nanoTime();
    gateWarning.warn("Redis at " + description + " " + why + "; its commands fail fast (cache misses, "
        + "writes dropped) until it answers again", new RedisUnavailableException(why));
    return true;
  }

  /** A command timed out: Redis is hung or the link is stalled. */
  private void trip() {
    if (closeGate("did not answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms")) {
      RedisUnavailableException e = new RedisUnavailableException("Redis at " + description
          + " stopped answering while this read waited");
      for (CompletableFuture<?> read : readsInFlight) {
        if (read.completeExceptionally(e)) {
          cutShort.increment();
        }
      }
      scheduleProbe(0);
    }
  }

  private synchronized void scheduleProbe(long delayNanos) {
    if (closed) {
      return;
    }
    if (probeTimer != null) {
      probeTimer.cancel(false);
    }
    probeTimer = schedule(this::probe, delayNanos);
  }

  private void probe() {
    if (closed || answering.get() || connected == null || !probeInFlight.compareAndSet(false, true)) {
      return;
    }
    long epochAtSend = epoch.get();
    measureClock().whenComplete((k, e) -> {
      probeInFlight.set(false);
      if (e != null) {
        firstAttempt.complete(null);
        scheduleProbe(probeIntervalNanos);
        return;
      }
      if (epoch.get() != epochAtSend) {
        scheduleProbe(0); // answered by the connection before a reconnect: ask the new one
        return;
      }
      clock = k;
      if (answering.compareAndSet(false, true)) {
        long since = closedSinceNanos;
        if (since != 0) {
          log.info("Redis at {} answers again after {} ms", description,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
        }
      }
      firstAttempt.complete(null);
    });
  }

  /** Re-measures the clock while Redis answers; a timeout here closes the gate like any other. */
  private void syncClock() {
    if (closed || !answering.get()) {
      return;
    }
    long epochAtSend = epoch.get();
    measureClock().whenComplete((k, e) -> {
      ServerClock current = clock;
      if (k != null && current != null && epoch.get() == epochAtSend && answering.get()) {
        clock = current.better(k);
      }
    });
  }

  private CompletableFuture<ServerClock> measureClock() {
    Connected c = connected;
    if (c == null) {
      return CompletableFuture.failedFuture(new RedisUnavailableException("not connected"));
    }
    Call<ServerClock> call = new Call<>(false);
    if (!call.arm()) {
      return CompletableFuture.failedFuture(new RedisUnavailableException("closed"));
    }
    long sentNanos = System.nanoTime();
    RedisFuture<List<byte[]>> sent;
    try {
      sent = c.commands().time();
    } catch (RuntimeException e) {
      call.fail(e);
      return call.result;
    }
    sent.whenComplete((time, e) -> {
      if (e != null) {
        call.fail(unwrap(e));
        return;
      }
      try {
        call.result.complete(ServerClock.fromTime(time, sentNanos, System.nanoTime()));
      } catch (RuntimeException bad) {
        call.fail(bad);
      }
    });
    return call.result;
  }

  /** One command in flight: its result and the timer that reports it failed at the timeout. */
  private final class Call<T> implements Runnable {
    final CompletableFuture<T> result = new CompletableFuture<>();
    private final boolean command;
    private volatile Throwable heldBack;
    private ScheduledFuture<?> timer;

    Call(boolean command) {
      this.command = command;
    }

    /** Starts the timer; false when the scheduler is gone (closed). */
    boolean arm() {
      timer = schedule(this, timeoutNanos);
      if (timer == null) {
        return false;
      }
      result.whenComplete((v, e) -> timer.cancel(false));
      return true;
    }

    /** Fails the call now; a timeout (lettuce's own backstop included) counts and closes the gate. */
    void fail(Throwable e) {
      if (result.completeExceptionally(e) && e instanceof RedisCommandTimeoutException) {
        timedOut();
      }
    }

    private void timedOut() {
      if (command) {
        timeouts.increment();
      }
      trip();
    }

    /** Reports {@code e} when the timer fires, not before: the write may still be applied until then. */
    void holdUntilDeadline(Throwable e) {
      heldBack = e;
    }

    @Override
    public void run() {
      Throwable held = heldBack;
      fail(held != null ? held : new RedisCommandTimeoutException(
          "Command timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
    }
  }

  private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null; // closed
    }
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /**
   * Stops probing and connecting, closes the connection, and waits (at most the command timeout
   * and a second) for writes in flight to be reported.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      if (probeTimer != null) {
        probeTimer.cancel(false);
      }
      if (connectTimer != null) {
        connectTimer.cancel(false);
      }
    }
    Connected c = connected;
    if (c != null) {
      c.connection().close();
    }
    RedisUnavailableException e = new RedisUnavailableException("this OfficeHoursRedis is closed");
    for (CompletableFuture<?> read : readsInFlight) {
      read.completeExceptionally(e);
    }
    scheduler.shutdown(); // timers still pending fire: a write held back is reported at its deadline
    try {
      scheduler.awaitTermination(timeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdownNow();
    firstAttempt.complete(null);
  }
}
