package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.fallback.Chain.Member;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A language model made of several, tried in order: a call goes to the first healthy provider and
 * moves to the next when it fails <b>before its first token</b> (an error, or no token within
 * {@link Builder#attemptTimeout}). Once a token has arrived the call belongs to that provider: a
 * failure after it is the call's failure, so two answers are never mixed. An error that is the
 * caller's fault (an {@link dev.officehours.errors.InvalidRequestException}, an HTTP 4xx other
 * than 408, 409 and 429) does not move on: the next provider would reject the same request.
 *
 * <p>A provider that fails {@link Builder#unhealthyAfter} times in a row is skipped and probed in
 * the background every {@link Builder#probeInterval} (by default with a one-token request) until
 * it answers; then calls go to it again. When every provider is unhealthy, calls try them all in
 * order. The completion names the provider that served ({@link LlmCompletion#provider()}), and
 * the {@link Builder#observer observer} hears of every failover.
 *
 * <pre>{@code
 * LlmProvider llm = FallbackLlm.builder(List.of(primary, secondary))
 *     .observer(metrics)
 *     .build();
 * }</pre>
 *
 * <p>A model named in the {@link ChatRequest} goes to every provider; build each provider with
 * its own default model instead. {@link #close()} stops the background probes.
 */
public final class FallbackLlm implements LlmProvider, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FallbackLlm.class);
  /** The default attempt timeout: time to first token of a slow model with a long prompt. */
  static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  private final Chain<LlmProvider> chain;

  private FallbackLlm(Chain<LlmProvider> chain) {
    this.chain = chain;
  }

  /**
   * Starts a chain.
   *
   * @param providers the providers in order of preference, 2..16, with distinct {@code id()}s;
   *     copied
   * @return a builder
   * @throws IllegalArgumentException when there are fewer than 2 or more than 16 providers, or
   *     two share an id
   */
  public static Builder builder(List<? extends LlmProvider> providers) {
    return new Builder(providers);
  }

  @Override
  public String id() {
    return chain.id;
  }

  /**
   * The first provider's default model.
   *
   * @return the model name
   */
  @Override
  public String defaultModel() {
    return chain.members.get(0).provider().defaultModel();
  }

  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    Call call = new Call(request, listener);
    call.next(null, null);
    return call;
  }

  /**
   * Whether calls go to a provider now.
   *
   * @param providerId the {@code id()} of one of the chain's providers
   * @return false while the provider is skipped after failing too often, true otherwise
   * @throws IllegalArgumentException when no provider of the chain has that id
   */
  public boolean isHealthy(String providerId) {
    return chain.member(providerId).health().healthy();
  }

  /** Stops the background probes; calls still work, but an unhealthy provider stays skipped. */
  @Override
  public void close() {
    chain.close();
  }

  @Override
  public String toString() {
    return "FallbackLlm[" + chain.id + "]";
  }

  /** The default probe: a one-token request, over as soon as anything comes back. */
  static CompletableFuture<Void> probe(LlmProvider provider) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    ChatRequest ping = ChatRequest.builder(List.of(ChatMessage.user("Reply with OK."))).maxTokens(1).build();
    LlmCall call = provider.stream(ping, new LlmListener() {
      @Override
      public void onToken(String delta) {
        result.complete(null);
      }

      @Override
      public void onComplete(LlmCompletion completion) {
        result.complete(null);
      }

      @Override
      public void onError(OfficeHoursException error) {
        result.completeExceptionally(error);
      }
    });
    result.whenComplete((v, e) -> call.cancel());
    return result;
  }

  /** One call: its attempts, one provider at a time, until one sends a token or none is left. */
  private final class Call implements LlmCall {
    private final ChatRequest request;
    private final LlmListener listener;
    private final List<Member<LlmProvider>> order = chain.candidates();
    private int nextIndex;
    private int attemptsMade;
    private Attempt current;
    private volatile boolean cancelled;
    /** The attempt that sent the first token; only its callbacks reach the listener. */
    private volatile Attempt served;

    Call(ChatRequest request, LlmListener listener) {
      this.request = request;
      this.listener = listener;
    }

    /** Starts the next provider after {@code from} failed with {@code error}, or gives up. */
    void next(Member<LlmProvider> from, OfficeHoursException error) {
      while (true) {
        Attempt attempt;
        synchronized (this) {
          if (cancelled) {
            return;
          }
          if (nextIndex >= order.size()) {
            current = null;
            attempt = null;
          } else {
            attempt = new Attempt(order.get(nextIndex++));
            current = attempt;
            attemptsMade++;
          }
        }
        if (attempt == null) {
          listener.onError(Failover.lastError(error, attemptsMade));
          return;
        }
        if (from != null) {
          log.info("{}: {} failed before its first token ({}); trying {}", chain.id, from.id(),
              error.getMessage(), attempt.member.id());
          chain.observer.providerFailover(chain.stage, from.id(), attempt.member.id(), error);
        }
        OfficeHoursException thrown = attempt.start();
        if (thrown == null) {
          return;
        }
        if (!chain.failsOver(thrown)) {
          if (attempt.abandon()) {
            listener.onError(thrown);
          }
          return;
        }
        attempt.member.health().failed();
        if (!attempt.abandon()) {
          return;
        }
        from = attempt.member;
        error = thrown;
      }
    }

    @Override
    public void cancel() {
      Attempt attempt;
      synchronized (this) {
        cancelled = true;
        attempt = current;
      }
      if (attempt != null) {
        attempt.stop();
      }
    }

    @Override
    public void commit() {
      Attempt attempt = served;
      if (attempt != null && attempt.call != null) {
        attempt.call.commit();
      }
    }

    /** One provider's try; its callbacks count only while it is the call's current attempt. */
    private final class Attempt implements LlmListener {
      final Member<LlmProvider> member;
      private volatile LlmCall call;
      private PipelineClock.Timer timer;
      private boolean committed;

      Attempt(Member<LlmProvider> member) {
        this.member = member;
      }

      /** Starts the provider's stream; returns what it threw, or null. */
      OfficeHoursException start() {
        PipelineClock.Timer t = chain.clock.schedule(this::timedOut, chain.attemptTimeout);
        synchronized (Call.this) {
          timer = t;
        }
        LlmCall started;
        try {
          started = member.provider().stream(request, this);
        } catch (RuntimeException e) {
          t.cancel();
          return Failover.asOfficeHours(Stage.LLM, e);
        }
        boolean stopNow;
        synchronized (Call.this) {
          call = started;
          stopNow = cancelled || current != this;
        }
        if (stopNow) {
          started.cancel();
        }
        return null;
      }

      /** Makes this attempt no longer the current one; false when it already was not. */
      boolean abandon() {
        synchronized (Call.this) {
          if (current != this || cancelled) {
            return false;
          }
          current = null;
          return true;
        }
      }

      void stop() {
        PipelineClock.Timer t;
        synchronized (Call.this) {
          t = timer;
          timer = null;
        }
        if (t != null) {
          t.cancel();
        }
        LlmCall c = call;
        if (c != null) {
          c.cancel();
        }
      }

      /** The first sign of an answer: from now on the call is this provider's. */
      private boolean commit() {
        PipelineClock.Timer t;
        synchronized (Call.this) {
          if (committed) {
            return !cancelled;
          }
          if (current != this || cancelled) {
            return false;
          }
          committed = true;
          served = this;
          t = timer;
          timer = null;
        }
        if (t != null) {
          t.cancel();
        }
        member.health().succeeded();
        chain.observer.providerServed(chain.stage, member.id());
        return true;
      }

      @Override
      public void onCacheHit() {
        if (commit()) {
          listener.onCacheHit();
        }
      }

      @Override
      public void onToken(String delta) {
        if ((served == this && !cancelled) || commit()) {
          listener.onToken(delta);
        }
      }

      /** Reasoning is the model's first sign of life, like a token: the call is now this one's. */
      @Override
      public void onReasoning(String delta) {
        if ((served == this && !cancelled) || commit()) {
          listener.onReasoning(delta);
        }
      }

      @Override
      public void onComplete(LlmCompletion completion) {
        if ((served == this && !cancelled) || commit()) {
          listener.onComplete(completion.provider().isEmpty()
              ? completion.withProvider(member.id()) : completion);
        }
      }

      @Override
      public void onError(OfficeHoursException error) {
        boolean before;
        synchronized (Call.this) {
          if (current != this || cancelled) {
            return;
          }
          before = !committed;
        }
        boolean providersFault = chain.failsOver(error);
        if (providersFault) {
          member.health().failed();
        }
        if (before && providersFault) {
          stop();
          if (abandon()) {
            next(member, error);
          }
          return;
        }
        // after the first token the answer is this provider's: its failure is the call's
        stop();
        if (abandon()) {
          listener.onError(error);
        }
      }

      private void timedOut() {
        synchronized (Call.this) {
          if (committed || current != this || cancelled) {
            return;
          }
          timer = null;
        }
        OfficeHoursException error = Failover.attemptTimedOut(Stage.LLM, member.id(),
            chain.attemptTimeout, "first token");
        member.health().failed();
        stop();
        if (abandon()) {
          next(member, error);
        }
      }
    }
  }

  /** Builds a {@link FallbackLlm}; every setter checks its argument at once. */
  public static final class Builder extends ChainBuilder<LlmProvider, Builder> {

    private Builder(List<? extends LlmProvider> providers) {
      super(new Settings<>(Stage.LLM, providers, LlmProvider::id, DEFAULT_ATTEMPT_TIMEOUT,
          FallbackLlm::probe));
    }

    /**
     * Builds the chain.
     *
     * @return the chain, every provider healthy
     */
    public FallbackLlm build() {
      return new FallbackLlm(new Chain<>(settings));
    }
  }
}
