package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import dev.officehours.metrics.PipelineObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An {@link LlmProvider} that answers repeated questions from an {@link AnswerCache}. */
final class CachingLlmProvider implements LlmProvider {
  private static final Logger log = LoggerFactory.getLogger(CachingLlmProvider.class);
  /** Splits before each run of whitespace: "Hello there." -> "Hello", " there." */
  private static final Pattern WORDS = Pattern.compile("(?<=\\S)(?=\\s)");

  private final AnswerCache cache;
  private final LlmProvider delegate;
  private final PipelineObserver observer;

  CachingLlmProvider(AnswerCache cache, LlmProvider delegate, PipelineObserver observer) {
    this.cache = cache;
    this.delegate = Objects.requireNonNull(delegate, "provider");
    this.observer = new GuardedObserver(Objects.requireNonNull(observer, "observer"));
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public String defaultModel() {
    return delegate.defaultModel();
  }

  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    Optional<String> key = cache.key(delegate, request);
    if (key.isEmpty()) {
      return delegate.stream(request, listener);
    }
    Call call = new Call(key.get(), request, listener);
    CompletableFutures.guard(() -> cache.store().get(key.get())).whenComplete(call::onLookup);
    return call;
  }

  /** Word-ish tokens of a stored answer, each with its leading whitespace. */
  static List<String> tokens(String text) {
    List<String> tokens = new ArrayList<>();
    for (String t : WORDS.split(text)) {
      if (!t.isEmpty()) {
        tokens.add(t);
      }
    }
    return tokens;
  }

  @Override
  public String toString() {
    return "CachingLlmProvider[" + delegate.id() + "]";
  }

  /** One request: a lookup, then a replay or the delegate's stream, recorded for the cache. */
  private final class Call implements LlmCall, LlmListener {
    private final String key;
    private final ChatRequest request;
    private final LlmListener listener;
    private final StringBuilder answer = new StringBuilder();
    private volatile boolean cancelled;
    private volatile byte[] pending;
    private LlmCall live;

    Call(String key, ChatRequest request, LlmListener listener) {
      this.key = key;
      this.request = request;
      this.listener = listener;
    }

    void onLookup(Optional<byte[]> found, Throwable error) {
      if (cancelled) {
        return;
      }
      Optional<String[]> stored = error == null && found != null && found.isPresent()
          ? AnswerCache.decode(found.get()) : Optional.empty();
      if (stored.isPresent()) {
        observer.cacheHit("answer");
        String model = stored.get()[0];
        String text = stored.get()[1];
        cache.executor().execute(() -> {
          if (!cancelled) {
            listener.onCacheHit();
          }
          replay(model, text);
        });
        return;
      }
      if (error != null) {
        observer.cacheError("answer");
        log.debug("answer cache lookup failed; asking the LLM", error);
      } else {
        observer.cacheMiss("answer");
      }
      LlmCall started;
      try {
        started = delegate.stream(request, this);
      } catch (RuntimeException e) {
        // as if the provider had thrown from stream(): the caller's error handling applies
        cache.executor().execute(() -> {
          if (!cancelled) {
            listener.onError(e instanceof OfficeHoursException oe ? oe
                : new OfficeHoursException(OfficeHoursException.Stage.LLM, "LLM provider threw: " + e, e));
          }
        });
        return;
      }
      synchronized (this) {
        live = started;
      }
      if (cancelled) {
        started.cancel();
      }
    }

    private void replay(String model, String text) {
      for (String token : tokens(text)) {
        if (cancelled) {
          return;
        }
        listener.onToken(token);
      }
      if (!cancelled) {
        listener.onComplete(new LlmCompletion("stop", TokenUsage.NONE, model, true));
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      LlmCall call;
      synchronized (this) {
        call = live;
      }
      if (call != null) {
        call.cancel();
      }
    }

    // ---- the delegate's stream, passed on and recorded

    @Override
    public void onToken(String delta) {
      answer.append(delta);
      listener.onToken(delta);
    }

    @Override
    public void onComplete(LlmCompletion completion) {
      String text = answer.toString();
      // A completion that calls tools is half a turn: its text is what was said before the calls,
      // and replaying it would skip the calls and their results.
      boolean callsTools = !completion.toolCalls().isEmpty()
          || "tool_calls".equals(completion.finishReason());
      if (!cancelled && !completion.truncated() && !completion.fromCache() && !callsTools
          && !"content_filter".equals(completion.finishReason()) && !text.isBlank()) {
        String model = completion.model().isEmpty()
            ? request.model().orElse(delegate.defaultModel()) : completion.model();
        // Held until the turn commits: set before the listener hears of the end, so a commit
        // that follows it always finds the answer.
        pending = AnswerCache.encode(model, text);
      }
      listener.onComplete(completion);
    }

    /** The turn completed with this answer: store it now, never for a cancelled or failed turn. */
    @Override
    public void commit() {
      byte[] value = pending;
      pending = null;
      if (value == null || cancelled) {
        return;
      }
      CompletableFutures.guard(() -> cache.store().put(key, value, cache.ttl()))
          .whenComplete((v, e) -> {
            if (e != null) {
              observer.cacheError("answer");
              log.debug("answer cache write failed; answer not stored", e);
            }
          });
    }

    @Override
    public void onError(OfficeHoursException error) {
      listener.onError(error);
    }

    /** Passed on, never stored: a replayed answer has no reasoning, only the answer. */
    @Override
    public void onReasoning(String delta) {
      listener.onReasoning(delta);
    }
  }
}
