package dev.officehours.redis;

import dev.officehours.cache.CacheStore;
import dev.officehours.history.ConversationStore;
import dev.officehours.history.HistoryMessage;
import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Wraps the stores a pipeline uses and records every lookup it makes (history load, cache get):
 * how long it took and how it ended, so a test can say what a turn's lookups cost. Keeps the
 * writes in flight too, so a test can wait until the connection is quiet.
 */
final class RecordedLookups {
  /** One lookup: what, how long, and its failure (null when it answered). */
  record Lookup(String what, long nanos, Throwable failure) {
    boolean timedOut() {
      return failure instanceof RedisCommandTimeoutException;
    }

    boolean failedFast() {
      return failure instanceof RedisUnavailableException;
    }

    long millis() {
      return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
  }

  private final List<Lookup> lookups = new ArrayList<>();
  private final Set<CompletableFuture<?>> writes = ConcurrentHashMap.newKeySet();

  /** The lookups since the last call, in the order they completed. */
  synchronized List<Lookup> take() {
    List<Lookup> taken = List.copyOf(lookups);
    lookups.clear();
    return taken;
  }

  /** Waits until every write issued so far has completed, one way or the other. */
  void awaitWrites(Duration limit) throws Exception {
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null)
        .get(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> CompletableFuture<T> lookup(String what, CompletableFuture<T> f) {
    long start = System.nanoTime();
    return f.whenComplete((v, e) -> {
      synchronized (this) {
        lookups.add(new Lookup(what, System.nanoTime() - start, e == null ? null : unwrap(e)));
      }
    });
  }

  /** The failure itself, out of the CompletionException and ExecutionException layers futures add. */
  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private <T> CompletableFuture<T> write(CompletableFuture<T> f) {
    writes.add(f);
    f.whenComplete((v, e) -> writes.remove(f));
    return f;
  }

  CacheStore cache(CacheStore store) {
    return new CacheStore() {
      @Override
      public CompletableFuture<Optional<byte[]>> get(String key) {
        return lookup(key.substring(0, key.indexOf(':')) + " get", store.get(key));
      }

      @Override
      public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
        return write(store.put(key, value, ttl));
      }

      @Override
      public CompletableFuture<Void> delete(String key) {
        return write(store.delete(key));
      }
    };
  }

  ConversationStore history(ConversationStore store) {
    return new ConversationStore() {
      @Override
      public CompletableFuture<List<HistoryMessage>> load(String sessionId) {
        return lookup("history load", store.load(sessionId));
      }

      @Override
      public CompletableFuture<Void> append(String sessionId, List<HistoryMessage> messages) {
        return write(store.append(sessionId, messages));
      }

      @Override
      public CompletableFuture<Void> clear(String sessionId) {
        return write(store.clear(sessionId));
      }
    };
  }
}
