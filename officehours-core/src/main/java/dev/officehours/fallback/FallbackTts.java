package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.fallback.Chain.Member;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import dev.officehours.tts.WordTiming;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A speech synthesiser made of several, tried in order: a synthesis goes to the first healthy
 * provider and moves to the next when it fails <b>before its first byte</b> (an error, or no audio
 * within {@link Builder#attemptTimeout}); after the first byte a failure is the synthesis's own.
 * Health, probes and the errors that do not fail over work as in {@link FallbackLlm}.
 *
 * <p><b>One voice per turn.</b> Providers speak in different voices, so by default a turn does
 * not mix them: the pipeline asks for a per-turn view ({@link #forTurn()}), and the first provider
 * whose audio reaches the turn keeps every later chunk of that turn (a chunk on another provider
 * whose audio would arrive later is cancelled and redone on it; a chunk it cannot speak fails,
 * and the pipeline goes on without it). {@link Builder#mixVoicesWithinTurn(boolean)} lets each
 * chunk fail over on its own instead. Syntheses made on the chain itself, outside a turn view,
 * are independent of each other.
 *
 * <p>Every provider must produce the same {@link AudioFormat}. A request is made with the first
 * provider's settings ({@link #request}); the others get their own settings for the same text
 * (their own voice, model and speed), since voice names differ between services. Each synthesis
 * names its provider through {@link AudioSink#onProvider}. {@link #close()} stops the probes.
 */
public final class FallbackTts implements TtsProvider, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FallbackTts.class);
  /** The default attempt timeout: below the pipeline's own first-byte timeout (5 s). */
  static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

  private final Chain<TtsProvider> chain;
  private final boolean mixVoices;
  private final int maxInputChars;

  private FallbackTts(Chain<TtsProvider> chain, boolean mixVoices) {
    this.chain = chain;
    this.mixVoices = mixVoices;
    int max = Integer.MAX_VALUE;
    for (Member<TtsProvider> m : chain.members) {
      max = Math.min(max, m.provider().maxInputChars());
    }
    this.maxInputChars = max;
  }

  /**
   * Starts a chain.
   *
   * @param providers the providers in order of preference, 2..16, with distinct {@code id()}s
   *     and one audio format; copied
   * @return a builder
   * @throws IllegalArgumentException when there are fewer than 2 or more than 16 providers, or
   *     two share an id
   */
  public static Builder builder(List<? extends TtsProvider> providers) {
    return new Builder(providers);
  }

  @Override
  public String id() {
    return chain.id;
  }

  /**
   * A request with the first provider's settings.
   *
   * @param text the speakable text
   * @return the first provider's request for {@code text}
   */
  @Override
  public SpeechRequest request(String text) {
    return chain.members.get(0).provider().request(text);
  }

  /**
   * The request a later provider of the chain makes for the same chunk: its own settings (model,
   * voice), with what the turn changed from the first provider's (speed, instructions, format,
   * extras) applied over them.
   */
  private SpeechRequest forMember(TtsProvider provider, SpeechRequest turnRequest) {
    SpeechRequest defaults = request(turnRequest.text());
    SpeechRequest own = provider.request(turnRequest.text());
    if (turnRequest.speed() != defaults.speed()) {
      own = own.withSpeed(turnRequest.speed());
    }
    if (!turnRequest.instructions().equals(defaults.instructions())) {
      own = own.withInstructions(turnRequest.instructions());
    }
    if (!turnRequest.format().equals(defaults.format())) {
      own = own.withFormat(turnRequest.format());
    }
    if (!turnRequest.extraBody().isEmpty() || !turnRequest.extraHeaders().isEmpty()) {
      own = own.withExtras(turnRequest.extraBody(), turnRequest.extraHeaders());
    }
    return own;
  }

  /**
   * The longest text every provider accepts.
   *
   * @return the smallest {@code maxInputChars()} of the providers
   */
  @Override
  public int maxInputChars() {
    return maxInputChars;
  }

  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    return start(request, sink, null);
  }

  /**
   * A view for one turn that keeps the turn on the first provider whose audio reaches it, unless
   * the chain mixes voices.
   *
   * @return a new view sharing this chain's health; this chain itself when it mixes voices
   */
  @Override
  public TtsProvider forTurn() {
    return mixVoices ? this : new TurnView();
  }

  /**
   * The same chain, sharing its health and probes, with each provider reading through
   * {@code cache}, so that cached audio is keyed by, and spoken in the voice of, the provider
   * that made it. The pipeline does this when built with both a chain and a TTS cache.
   *
   * @param cache the TTS cache; not null
   * @param observer told about the cache's hits, misses and errors; not null
   * @return a chain over the cached providers
   */
  public FallbackTts cachedBy(TtsCache cache, PipelineObserver observer) {
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(observer, "observer");
    return new FallbackTts(chain.map(p -> cache.wrap(p, observer)), mixVoices);
  }

  /**
   * Whether syntheses go to a provider now.
   *
   * @param providerId the {@code id()} of one of the chain's providers
   * @return false while the provider is skipped after failing too often, true otherwise
   * @throws IllegalArgumentException when no provider of the chain has that id
   */
  public boolean isHealthy(String providerId) {
    return chain.member(providerId).health().healthy();
  }

  /** Stops the background probes; syntheses still work, but an unhealthy provider stays skipped. */
  @Override
  public void close() {
    chain.close();
  }

  @Override
  public String toString() {
    return "FallbackTts[" + chain.id + "]";
  }

  private TtsCall start(SpeechRequest request, AudioSink sink, TurnView turn) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(sink, "sink");
    Member<TtsProvider> pinned = turn == null ? null : turn.pinned();
    Synthesis s = new Synthesis(request, sink, turn,
        pinned != null ? List.of(pinned) : chain.candidates());
    s.next(null, null);
    return s;
  }

  /** The default probe: a short real synthesis, over at its first byte. */
  static CompletableFuture<Void> probe(TtsProvider provider) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    TtsCall call = provider.synthesize(provider.request("OK."), new AudioSink() {
      @Override
      public void onAudio(byte[] audio) {
        result.complete(null);
      }

      @Override
      public void onComplete() {
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

  /** One turn's view: the provider the turn is pinned to, once its audio reached the turn. */
  private final class TurnView implements TtsProvider {
    private Member<TtsProvider> pinned;

    synchronized Member<TtsProvider> pinned() {
      return pinned;
    }

    /** Pins the turn to {@code m} unless it is pinned already; returns the pinned member. */
    synchronized Member<TtsProvider> pin(Member<TtsProvider> m) {
      if (pinned == null) {
        pinned = m;
      }
      return pinned;
    }

    @Override
    public String id() {
      return chain.id;
    }

    @Override
    public SpeechRequest request(String text) {
      return FallbackTts.this.request(text);
    }

    @Override
    public int maxInputChars() {
      return maxInputChars;
    }

    @Override
    public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
      return start(request, sink, this);
    }

    @Override
    public String toString() {
      return "FallbackTts.TurnView[" + chain.id + ", pinned=" + pinned() + "]";
    }
  }

  /** One synthesis: its attempts, one provider at a time, until one sends audio or none is left. */
  private final class Synthesis implements TtsCall {
    private final SpeechRequest request;
    private final AudioSink sink;
    private final TurnView turn;
    private List<Member<TtsProvider>> order;
    private int nextIndex;
    private int attemptsMade;
    private Attempt current;
    private volatile boolean cancelled;
    private volatile Attempt served;

    Synthesis(SpeechRequest request, AudioSink sink, TurnView turn, List<Member<TtsProvider>> order) {
      this.request = request;
      this.sink = sink;
      this.turn = turn;
      this.order = order;
    }

    void next(Member<TtsProvider> from, OfficeHoursException error) {
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
          sink.onError(Failover.lastError(error, attemptsMade));
          return;
        }
        if (from != null) {
          log.info("{}: {} failed before its first byte ({}); trying {}", chain.id, from.id(),
              error.getMessage(), attempt.member.id());
          chain.observer.providerFailover(chain.stage, from.id(), attempt.member.id(), error);
        }
        OfficeHoursException thrown = attempt.start();
        if (thrown == null) {
          return;
        }
        if (!chain.failsOver(thrown)) {
          if (attempt.abandon()) {
            sink.onError(thrown);
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

    /** The turn was pinned to another provider meanwhile: redo this synthesis on it alone. */
    private void redoOn(Attempt loser, Member<TtsProvider> pinned) {
      synchronized (this) {
        if (current != loser || cancelled) {
          return;
        }
        current = null;
        order = List.of(pinned);
        nextIndex = 0;
      }
      loser.stop();
      log.debug("{}: the turn speaks with {}; redoing a chunk {} had started", chain.id,
          pinned.id(), loser.member.id());
      next(null, null);
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

    /** One provider's try; its callbacks count only while it is the current attempt. */
    private final class Attempt implements AudioSink {
      final Member<TtsProvider> member;
      private volatile TtsCall call;
      private PipelineClock.Timer timer;
      private boolean committed;
      private boolean cacheHit;

      Attempt(Member<TtsProvider> member) {
        this.member = member;
      }

      OfficeHoursException start() {
        PipelineClock.Timer t = chain.clock.schedule(this::timedOut, chain.attemptTimeout);
        synchronized (Synthesis.this) {
          timer = t;
        }
        TtsCall started;
        try {
          // the request was made with the first provider's settings; another speaks in its own,
          // with the turn's own speed, instructions, format and extras over them
          SpeechRequest own = member.index() == 0 ? request : forMember(member.provider(), request);
          started = member.provider().synthesize(own, this);
        } catch (RuntimeException e) {
          t.cancel();
          return Failover.asOfficeHours(Stage.TTS, e);
        }
        boolean stopNow;
        synchronized (Synthesis.this) {
          call = started;
          stopNow = cancelled || current != this;
        }
        if (stopNow) {
          started.cancel();
        }
        return null;
      }

      boolean abandon() {
        synchronized (Synthesis.this) {
          if (current != this || cancelled) {
            return false;
          }
          current = null;
          return true;
        }
      }

      void stop() {
        PipelineClock.Timer t;
        synchronized (Synthesis.this) {
          t = timer;
          timer = null;
        }
        if (t != null) {
          t.cancel();
        }
        TtsCall c = call;
        if (c != null) {
          c.cancel();
        }
      }

      /**
       * The first audio (or the end without any): from now on the synthesis is this provider's,
       * if the turn speaks with it. Returns false when the audio must not reach the sink.
       */
      private boolean commit(boolean withAudio) {
        PipelineClock.Timer t;
        boolean hit;
        Member<TtsProvider> speaking = member;
        synchronized (Synthesis.this) {
          if (current != this || cancelled) {
            return false;
          }
          if (withAudio && turn != null) {
            speaking = turn.pin(member);
          }
          if (speaking != member) {
            t = null;
            hit = false;
          } else {
            committed = true;
            served = this;
            t = timer;
            timer = null;
            hit = cacheHit;
          }
        }
        if (speaking != member) {
          redoOn(this, speaking);
          return false;
        }
        if (t != null) {
          t.cancel();
        }
        if (!hit) {
          // A cache hit says nothing of the provider's health, nor that it served.
          member.health().succeeded();
          chain.observer.providerServed(chain.stage, member.id());
        }
        sink.onProvider(member.id());
        if (hit) {
          sink.onCacheHit();
        }
        return true;
      }

      @Override
      public void onCacheHit() {
        synchronized (Synthesis.this) {
          cacheHit = true; // told at the commit, after the provider is named
        }
      }

      @Override
      public void onAudio(byte[] audio) {
        if ((served == this && !cancelled) || (served == null && commit(true))) {
          sink.onAudio(audio);
        }
      }

      @Override
      public void onAudio(byte[] audio, List<WordTiming> words) {
        if ((served == this && !cancelled) || (served == null && commit(true))) {
          sink.onAudio(audio, words); // the timings the serving provider reported travel on
        }
      }

      @Override
      public void onComplete() {
        if ((served == this && !cancelled) || (served == null && commit(false))) {
          sink.onComplete();
        }
      }

      @Override
      public void onError(OfficeHoursException error) {
        boolean before;
        synchronized (Synthesis.this) {
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
        stop();
        if (abandon()) {
          sink.onError(Failover.lastError(error, attemptsMade));
        }
      }

      private void timedOut() {
        synchronized (Synthesis.this) {
          if (committed || current != this || cancelled) {
            return;
          }
          timer = null;
        }
        OfficeHoursException error = Failover.attemptTimedOut(Stage.TTS, member.id(),
            chain.attemptTimeout, "audio");
        member.health().failed();
        stop();
        if (abandon()) {
          next(member, error);
        }
      }
    }
  }

  /** Builds a {@link FallbackTts}; every setter checks its argument at once. */
  public static final class Builder extends ChainBuilder<TtsProvider, Builder> {
    private boolean mixVoices;

    private Builder(List<? extends TtsProvider> providers) {
      super(new Settings<>(Stage.TTS, providers, TtsProvider::id, DEFAULT_ATTEMPT_TIMEOUT,
          FallbackTts::probe));
    }

    /**
     * Lets each chunk of a turn fail over on its own, so one turn may speak in several voices.
     *
     * @param mixVoices true to let chunks of one turn go to different providers; false (the
     *     default) keeps a turn on the first provider whose audio reached it
     * @return this builder
     */
    public Builder mixVoicesWithinTurn(boolean mixVoices) {
      this.mixVoices = mixVoices;
      return this;
    }

    /**
     * Builds the chain.
     *
     * @return the chain, every provider healthy
     * @throws IllegalArgumentException when the providers do not all produce the same audio
     *     format (the pipeline could not play a turn that switches format)
     */
    public FallbackTts build() {
      AudioFormat format = settings.providers.get(0).request("a").format();
      for (int i = 1; i < settings.providers.size(); i++) {
        AudioFormat other = settings.providers.get(i).request("a").format();
        if (!other.equals(format)) {
          throw new IllegalArgumentException("every provider of a TTS fallback chain must produce "
              + "the same audio format, but " + settings.ids.get(0) + " produces " + format
              + " and " + settings.ids.get(i) + " produces " + other);
        }
      }
      return new FallbackTts(new Chain<>(settings), mixVoices);
    }
  }
}
