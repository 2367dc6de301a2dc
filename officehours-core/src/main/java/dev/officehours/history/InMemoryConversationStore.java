package dev.officehours.history;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Conversation history in this JVM's memory (Caffeine): at most {@code maxMessages} per session,
 * sessions forgotten after {@code idleTimeout} without use, at most {@code maxSessions} sessions.
 */
public final class InMemoryConversationStore implements ConversationStore {
  private final Cache<String, List<HistoryMessage>> sessions;
  private final int maxMessages;

  private InMemoryConversationStore(Builder b) {
    this.maxMessages = b.maxMessages;
    this.sessions = Caffeine.newBuilder()
        .maximumSize(b.maxSessions)
        .expireAfterAccess(b.idleTimeout)
        .ticker(b.ticker)
        // Upkeep (draining Caffeine's read and write buffers, eviction, expiry) on the calling
        // thread, so a turn's history read or write wakes no other thread: mostly a little at a
        // time, but after a long idle spell one call sweeps every expired session.
        .executor(Runnable::run)
        .build();
  }

  /**
   * A store with the defaults: 50 messages per session, 30 min idle, 100,000 sessions.
   *
   * @return a new, empty store
   */
  public static InMemoryConversationStore create() {
    return builder().build();
  }

  /**
   * Starts a store with custom limits.
   *
   * @return a builder with the defaults of {@link #create()}
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletableFuture<List<HistoryMessage>> load(String sessionId) {
    List<HistoryMessage> messages = sessions.getIfPresent(sessionId);
    return CompletableFuture.completedFuture(messages == null ? List.of() : messages);
  }

  @Override
  public CompletableFuture<Void> append(String sessionId, List<HistoryMessage> messages) {
    List<HistoryMessage> added = List.copyOf(messages);
    sessions.asMap().compute(sessionId, (id, old) -> {
      List<HistoryMessage> all = new ArrayList<>((old == null ? 0 : old.size()) + added.size());
      if (old != null) {
        all.addAll(old);
      }
      all.addAll(added);
      int from = Math.max(0, all.size() - maxMessages);
      return List.copyOf(all.subList(from, all.size()));
    });
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Boolean> replaceLastAnswer(
      String sessionId, String answer, HistoryMessage replacement) {
    java.util.Objects.requireNonNull(replacement, "replacement");
    boolean[] replaced = new boolean[1];
    sessions.asMap().computeIfPresent(sessionId, (id, old) -> {
      HistoryMessage last = old.isEmpty() ? null : old.get(old.size() - 1);
      // an assistant message that called tools is not an answer: its text was only a lead-in
      if (last == null || last.role() != dev.officehours.llm.ChatMessage.Role.ASSISTANT
          || !last.toolCalls().isEmpty() || !last.text().equals(answer)) {
        return old;
      }
      List<HistoryMessage> all = new ArrayList<>(old);
      all.set(all.size() - 1, replacement);
      replaced[0] = true;
      return List.copyOf(all);
    });
    return CompletableFuture.completedFuture(replaced[0]);
  }

  @Override
  public CompletableFuture<Void> clear(String sessionId) {
    sessions.invalidate(sessionId);
    return CompletableFuture.completedFuture(null);
  }

  /** Builds an {@link InMemoryConversationStore}; every argument is validated at once. */
  public static final class Builder {
    private int maxMessages = 50;
    private Duration idleTimeout = Duration.ofMinutes(30);
    private long maxSessions = 100_000;
    private Ticker ticker = Ticker.systemTicker();

    private Builder() {}

    /**
     * Sets how long a session's history may grow.
     *
     * @param maxMessages messages kept per session, oldest dropped first (default 50); at least 2
     * @return this builder
     * @throws IllegalArgumentException when {@code maxMessages} is below 2
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
     * @param idleTimeout a session unused this long is forgotten (default 30 min); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code idleTimeout} is zero or negative
     */
    public Builder idleTimeout(Duration idleTimeout) {
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      if (idleTimeout.isNegative() || idleTimeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive but was " + idleTimeout);
      }
      this.idleTimeout = idleTimeout;
      return this;
    }

    /**
     * Sets how many sessions the store holds.
     *
     * @param maxSessions sessions kept at most, least recently used dropped first (default
     *     100,000); at least 1
     * @return this builder
     * @throws IllegalArgumentException when {@code maxSessions} is below 1
     */
    public Builder maxSessions(long maxSessions) {
      if (maxSessions < 1) {
        throw new IllegalArgumentException("maxSessions must be at least 1 but was " + maxSessions);
      }
      this.maxSessions = maxSessions;
      return this;
    }

    /**
     * Sets the time source of idle expiry.
     *
     * @param ticker the time source (default {@link Ticker#systemTicker()}); tests advance a fake
     *     one
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the store.
     *
     * @return a new, empty store with these limits
     */
    public InMemoryConversationStore build() {
      return new InMemoryConversationStore(this);
    }
  }
}
