package dev.officehours.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.officehours.history.ConversationStore;
import dev.officehours.history.HistoryMessage;
import dev.officehours.metrics.PipelineObserver;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversation history in Redis, shared by every app instance: one list per session
 * ({@code <namespace>:history:<sessionId>}), at most {@code maxMessages} long (oldest dropped,
 * {@code LTRIM}), forgotten after {@code idleTimeout} without use ({@code PEXPIRE} on every load
 * and append). A user message and its answer are appended atomically (one Lua script: RPUSH,
 * LTRIM, PEXPIRE), so a reader on another machine sees both or neither.
 *
 * <p>An optional near cache ({@link Builder#nearCache}) keeps recently loaded sessions in this
 * JVM and is invalidated by this JVM's appends, replacements and clears. Another instance's
 * writes are not seen until the near-cache entry expires, so keep its TTL short, or use it with
 * sticky sessions.
 *
 * <p>Fails open (the default): when Redis is slow or down, a load returns the near-cached history
 * or none, an append is dropped, the observer's {@code cacheError("history")} is called and a
 * warning is logged at most once per 10 s; the turn goes on. A load waits at most the command
 * timeout, and not at all while the connection's health gate is closed (see
 * {@link OfficeHoursRedis}). With the near cache on, loads it answers count as
 * {@code cacheHit("history")}, those that go to Redis as {@code cacheMiss}.
 *
 * <p>When a caller reports barge-in after a turn's whole answer was stored, the pipeline trims it
 * with {@link #replaceLastAnswer}, one script that checks and replaces the last element, so it
 * never overwrites a later exchange.
 *
 * <p>An append, replacement or clear reported failed is never applied later: the script checks a
 * deadline against Redis's clock first. Messages are stored with their role by name; the tool
 * calls of an assistant message and the call id of a tool message are kept too (format version
 * 3, written only for such messages, so a release without tools, which reads version 2, still
 * reads every other message during a rolling upgrade). Messages written by the first release
 * (role as an ordinal, version 1) are still read. Only a last assistant answer without tool calls
 * is ever replaced by {@link #replaceLastAnswer}.
 */
public final class RedisConversationStore implements ConversationStore {
  private static final Logger log = LoggerFactory.getLogger(RedisConversationStore.class);

  /** KEYS[1] the list; ARGV[1] idle ms. Returns the list and refreshes its idle timer. */
  private static final String LOAD =
      "local v = redis.call('LRANGE', KEYS[1], 0, -1)\n"
      + "if #v > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
      + "return v";
  /** KEYS[1] the list; ARGV[1] deadline, ARGV[2] max length, ARGV[3] idle ms, ARGV[4..] the messages. */
  private static final String APPEND = RedisLink.DEADLINE_GUARD
      + "for i = 4, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end\n"
      + "redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)\n"
      + "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
      + "return 1";
  /** What {@link #REPLACE_LAST_ANSWER} answers when the last message is not that answer. */
  private static final long NOT_THE_LAST_ANSWER = -1;
  /**
   * KEYS[1] the list; ARGV[1] deadline, ARGV[2] idle ms, ARGV[3] the answer's text (UTF-8), ARGV[4]
   * the replacement. Replaces the last element only while it is that answer; one script, so no
   * append can come between the check and the LSET.
   */
  private static final String REPLACE_LAST_ANSWER = RedisLink.DEADLINE_GUARD
      + HistoryCodec.LUA_ANSWER_TEXT
      + "local last = redis.call('LINDEX', KEYS[1], -1)\n"
      + "if not last or answerText(last) ~= ARGV[3] then return " + NOT_THE_LAST_ANSWER + " end\n"
      + "redis.call('LSET', KEYS[1], -1, ARGV[4])\n"
      + "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
      + "return 1";

  private final OfficeHoursRedis redis;
  private final int maxMessages;
  private final Duration idleTimeout;
  private final boolean failOpen;
  private final PipelineObserver observer;
  private final Cache<String, List<HistoryMessage>> near;
  /** Bumped by every local write, so a load that raced a write does not fill the near cache. */
  private final AtomicLong writes = new AtomicLong();
  private final RateLimitedWarning warning = new RateLimitedWarning(log, Duration.ofSeconds(10));

  private RedisConversationStore(Builder b) {
    this.redis = b.redis;
    this.maxMessages = b.maxMessages;
    this.idleTimeout = b.idleTimeout;
    this.failOpen = b.failOpen;
    this.observer = b.observer;
    this.near = b.nearCacheTtl == null ? null : Caffeine.newBuilder()
        .maximumSize(b.nearCacheMaxSessions)
        .expireAfterWrite(b.nearCacheTtl)
        .build();
  }

  /**
   * Starts a store on {@code redis}.
   *
   * @param redis the connection, shared with the cache store
   * @return a builder with the defaults
   */
  public static Builder builder(OfficeHoursRedis redis) {
    return new Builder(redis);
  }

  @Override
  public CompletableFuture<List<HistoryMessage>> load(String sessionId) {
    Objects.requireNonNull(sessionId, "sessionId");
    byte[] key = redis.key("history", sessionId);
    if (near != null) {
      List<HistoryMessage> cached = near.getIfPresent(sessionId);
      if (cached != null) {
        observer.cacheHit("history");
        // still refresh the idle timer in Redis; a failure here costs nothing but a warning
        // (a late PEXPIRE only keeps a session a little longer, so it needs no deadline)
        send("PEXPIRE", redis.link().read(c -> c.pexpire(key, idleTimeout.toMillis())));
        return CompletableFuture.completedFuture(cached);
      }
      observer.cacheMiss("history");
    }
    long writesBefore = writes.get();
    CompletableFuture<List<Object>> loaded = send("EVAL load", redis.link().read(c -> c
        .<List<Object>>eval(LOAD, ScriptOutputType.MULTI, new byte[][] {key}, millis(idleTimeout))));
    return loaded.handle((raw, error) -> {
      if (error != null) {
        if (!failOpen) {
          throw new java.util.concurrent.CompletionException(error);
        }
        return List.<HistoryMessage>of();
      }
      List<HistoryMessage> messages = new ArrayList<>(raw.size());
      for (Object element : raw) {
        if (element instanceof byte[] bytes) {
          HistoryCodec.decode(bytes).ifPresent(messages::add);
        }
      }
      List<HistoryMessage> result = List.copyOf(messages);
      if (near != null && writes.get() == writesBefore) {
        near.put(sessionId, result);
      }
      return result;
    });
  }

  @Override
  public CompletableFuture<Void> append(String sessionId, List<HistoryMessage> messages) {
    Objects.requireNonNull(sessionId, "sessionId");
    List<HistoryMessage> added = List.copyOf(messages);
    invalidate(sessionId);
    if (added.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    byte[][] args = new byte[added.size() + 3][];
    args[1] = Integer.toString(maxMessages).getBytes(StandardCharsets.US_ASCII);
    args[2] = millis(idleTimeout);
    for (int i = 0; i < added.size(); i++) {
      args[i + 3] = HistoryCodec.encode(added.get(i));
    }
    byte[][] keys = {redis.key("history", sessionId)};
    CompletableFuture<Void> appended = send("EVAL append", redis.link().write("history append", (c, deadline) -> {
      byte[][] withDeadline = args.clone();
      withDeadline[0] = deadline;
      return c.eval(APPEND, ScriptOutputType.INTEGER, keys, withDeadline);
    }));
    return finish(appended.whenComplete((n, e) -> invalidate(sessionId)));
  }

  /**
   * Replaces the session's last message with {@code replacement} while it is still the assistant
   * answer {@code answer} (stored in any format version; an assistant message that called tools is
   * no answer and is never replaced), in one Lua script, so an append from
   * any machine either comes before the check (and nothing changes) or after the replacement. The
   * replacement also refreshes the idle timer. Like an append it carries a deadline: when it is
   * reported failed it has not replaced anything, nor will it later. This JVM's near cache forgets
   * the session; other instances' near caches see the change when their entry expires.
   *
   * @param sessionId the session
   * @param answer the stored answer's text, as it must still be
   * @param replacement what to keep instead
   * @return whether the message was replaced; false also when Redis failed (fail open), or fails
   *     with the error when built with {@code failOpen(false)}
   */
  @Override
  public CompletableFuture<Boolean> replaceLastAnswer(
      String sessionId, String answer, HistoryMessage replacement) {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(answer, "answer");
    Objects.requireNonNull(replacement, "replacement");
    byte[][] keys = {redis.key("history", sessionId)};
    byte[] idle = millis(idleTimeout);
    byte[] expected = answer.getBytes(StandardCharsets.UTF_8);
    byte[] encoded = HistoryCodec.encode(replacement);
    invalidate(sessionId);
    CompletableFuture<Long> checked = send("EVAL replace", redis.link().conditionalWrite("history replace",
        (c, deadline) -> c.eval(REPLACE_LAST_ANSWER, ScriptOutputType.INTEGER, keys,
            deadline, idle, expected, encoded)));
    return checked.whenComplete((n, e) -> invalidate(sessionId)).handle((n, e) -> {
      if (e != null) {
        if (!failOpen) {
          throw new java.util.concurrent.CompletionException(e);
        }
        return false;
      }
      return n == 1L;
    });
  }

  @Override
  public CompletableFuture<Void> clear(String sessionId) {
    Objects.requireNonNull(sessionId, "sessionId");
    invalidate(sessionId);
    byte[][] keys = {redis.key("history", sessionId)};
    CompletableFuture<Void> deleted = send("DEL", redis.link().write("history clear", (c, deadline) ->
        c.eval(RedisCacheStore.DEL, ScriptOutputType.INTEGER, keys, deadline)));
    return finish(deleted.whenComplete((n, e) -> invalidate(sessionId)));
  }

  /**
   * The most messages kept per session.
   *
   * @return the bound, oldest dropped first
   */
  public int maxMessages() {
    return maxMessages;
  }

  /**
   * How long an unused session is kept.
   *
   * @return the idle timeout
   */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  private void invalidate(String sessionId) {
    writes.incrementAndGet();
    if (near != null) {
      near.invalidate(sessionId);
    }
  }

  private CompletableFuture<Void> finish(CompletableFuture<?> write) {
    return write.handle((v, e) -> {
      if (e != null && !failOpen) {
        throw new java.util.concurrent.CompletionException(e);
      }
      return null;
    });
  }

  private <T> CompletableFuture<T> send(String command, CompletableFuture<T> f) {
    return f.whenComplete((v, e) -> {
      if (e != null) {
        observer.cacheError("history");
        warning.warn("Redis " + command + " of conversation history failed on " + redis
            + (failOpen ? (command.startsWith("EVAL load") ? "; answering without history" : "; dropped") : ""), e);
      }
    });
  }

  private static byte[] millis(Duration d) {
    return Long.toString(d.toMillis()).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "RedisConversationStore[" + redis + ", maxMessages=" + maxMessages + ", idle=" + idleTimeout
        + (near != null ? ", nearCache" : "") + "]";
  }

  /** Configures a {@link RedisConversationStore}; every argument is validated at once. */
  public static final class Builder {
    private final OfficeHoursRedis redis;
    private int maxMessages = 50;
    private Duration idleTimeout = Duration.ofMinutes(30);
    private boolean failOpen = true;
    private PipelineObserver observer = PipelineObserver.NONE;
    private Duration nearCacheTtl;
    private long nearCacheMaxSessions = 10_000;

    private Builder(OfficeHoursRedis redis) {
      this.redis = Objects.requireNonNull(redis, "redis");
    }

    /**
     * Bounds each session.
     *
     * @param maxMessages messages kept per session, at least 2, oldest dropped first (default 50)
     * @return this builder
     * @throws IllegalArgumentException when below 2
     */
    public Builder maxMessages(int maxMessages) {
      if (maxMessages < 2) {
        throw new IllegalArgumentException("maxMessages must be at least 2 but was " + maxMessages);
      }
      this.maxMessages = maxMessages;
      return this;
    }

    /**
     * Sets when an unused session is forgotten.
     *
     * @param idleTimeout a session unused this long is forgotten, at least 1 ms (default 30 min)
     * @return this builder
     * @throws IllegalArgumentException when shorter than 1 ms
     */
    public Builder idleTimeout(Duration idleTimeout) {
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      if (idleTimeout.toMillis() < 1) {
        throw new IllegalArgumentException("idleTimeout must be at least 1 ms but was " + idleTimeout);
      }
      this.idleTimeout = idleTimeout;
      return this;
    }

    /**
     * Keeps loaded sessions in this JVM for {@code ttl}, invalidated by this JVM's writes.
     *
     * @param ttl how long a loaded session is served from memory (e.g. 5 s; off by default)
     * @param maxSessions sessions kept at most
     * @return this builder
     * @throws IllegalArgumentException when {@code ttl} is not positive or {@code maxSessions} is
     *     below 1
     */
    public Builder nearCache(Duration ttl, long maxSessions) {
      Objects.requireNonNull(ttl, "nearCache ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("nearCache ttl must be positive but was " + ttl);
      }
      if (maxSessions < 1) {
        throw new IllegalArgumentException("nearCache maxSessions must be positive but was " + maxSessions);
      }
      this.nearCacheTtl = ttl;
      this.nearCacheMaxSessions = maxSessions;
      return this;
    }

    /**
     * Chooses what a Redis failure does to the futures.
     *
     * @param failOpen when Redis fails, answer loads with no history and drop appends (default
     *     true); false fails the futures instead, and the pipeline logs and goes on
     * @return this builder
     */
    public Builder failOpen(boolean failOpen) {
      this.failOpen = failOpen;
      return this;
    }

    /**
     * Sets who is told about hits, misses and errors.
     *
     * @param observer told about near-cache hits and misses and Redis errors, as {@code history}
     * @return this builder
     */
    public Builder observer(PipelineObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Builds the store.
     *
     * @return the store
     */
    public RedisConversationStore build() {
      return new RedisConversationStore(this);
    }
  }
}
