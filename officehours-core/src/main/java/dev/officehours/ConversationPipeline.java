package dev.officehours;

import dev.officehours.cache.AnswerCache;
import dev.officehours.history.ConversationStore;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.llm.LlmProvider;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.PipelineClosedException;

/**
 * The streaming voice pipeline: a user's words go to the LLM, its token stream is cut into
 * speakable chunks, each chunk is synthesised (several in flight) and the audio is delivered
 * strictly in order, the first bytes of each chunk as soon as they arrive.
 *
 * <pre>{@code
 * ConversationPipeline pipeline = ConversationPipeline.builder()
 *     .llm(OpenAiChat.fromEnvironment())
 *     .tts(OpenAiSpeech.fromEnvironment())
 *     .build();
 * Turn turn = pipeline.start(TurnRequest.of("session-42", "What are your office hours?"), listener);
 * turn.cancel();                                   // barge-in
 * TurnResult result = turn.completion().join();
 * }</pre>
 *
 * <p>Thread-safe; build one and share it. {@link #start} returns at once; no thread is held per
 * turn while waiting on the network.
 */
public final class ConversationPipeline implements AutoCloseable {
  private final PipelineEngine engine;

  private ConversationPipeline(Builder b) {
    this.engine = new PipelineEngine(b);
  }

  /**
   * Starts a pipeline configuration.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a turn and returns its handle at once.
   *
   * @param request what the user said
   * @param listener receives the turn's events
   * @return the turn in flight
   * @throws InvalidRequestException before any network call, when the request breaks a limit
   *     (text length, image size or type); nothing is written to history then
   * @throws PipelineClosedException once {@link #close()} was called
   */
  public Turn start(TurnRequest request, TurnListener listener) {
    return engine.start(request, listener);
  }

  /**
   * A cold {@link Flow.Publisher} view of a turn: subscribing starts the turn, events are
   * buffered until requested, and cancelling the subscription cancels the turn. The request is
   * validated at once.
   *
   * @param request what the user said
   * @return a publisher for one subscriber
   */
  public Flow.Publisher<TurnEvent> publisher(TurnRequest request) {
    engine.validate(request);
    return new TurnPublisher(this, request);
  }

  /**
   * The turn in flight for a session, if any.
   *
   * @param sessionId the session
   * @return its newest turn still in flight
   */
  public Optional<Turn> activeTurn(String sessionId) {
    return engine.activeTurn(sessionId);
  }

  /**
   * Turns in flight right now.
   *
   * @return how many turns have started and not yet ended
   */
  public int activeTurns() {
    return engine.activeTurnCount();
  }

  /**
   * The conversation store holding history.
   *
   * @return the store
   */
  public ConversationStore conversationStore() {
    return engine.store();
  }

  /**
   * Stops the pipeline now: no new turn starts ({@link #start} throws {@link
   * PipelineClosedException}), every turn it started is cancelled and its listener told, then the
   * pipeline's own threads stop. Providers and their shared HTTP clients are not closed.
   * Idempotent.
   */
  @Override
  public void close() {
    engine.close(Duration.ZERO);
  }

  /**
   * Stops the pipeline gracefully: no new turn starts, turns in flight may finish for up to
   * {@code gracePeriod}, then the rest are cancelled as by {@link #close()}.
   *
   * @param gracePeriod how long turns in flight may take to finish
   * @return true when every turn finished on its own within the grace period
   */
  public boolean close(Duration gracePeriod) {
    Objects.requireNonNull(gracePeriod, "gracePeriod");
    if (gracePeriod.isNegative()) {
      throw new IllegalArgumentException("gracePeriod must not be negative but was " + gracePeriod);
    }
    return engine.close(gracePeriod);
  }

  /**
   * Configures a {@link ConversationPipeline}. Only {@link #llm} is required; without
   * {@link #tts} the pipeline streams text only. Every setter validates its argument at once and
   * names it in the error.
   */
  public static final class Builder {
    LlmProvider llm;
    TtsProvider tts;
    ConversationStore store;
    final List<PipelineObserver> observers = new ArrayList<>();
    String systemPrompt = "You are a helpful voice assistant. Answer briefly, in plain spoken sentences.";
    int maxTokens = 500;
    int visionMaxTokens = 300;
    int maxTextChars = 4_000;
    int maxImageBytes = 10 * 1024 * 1024;
    int ttsConcurrency = 3;
    Duration turnDeadline = Duration.ofSeconds(30);
    boolean cancelPreviousTurn = true;
    ChunkerSettings chunker = ChunkerSettings.DEFAULT;
    TtsCache ttsCache;
    AnswerCache answerCache;
    int answerCharsPerToken = 16;
    long turnBufferBytes = 2L * 1024 * 1024;
    Duration speechAudioPerChar = Duration.ofMillis(500);
    Duration speechAudioBase = Duration.ofSeconds(5);
    Duration speechFirstByteTimeout = Duration.ofSeconds(5);
    Duration speechTotalTimeout = Duration.ofSeconds(15);
    Duration speechLookahead = Duration.ofSeconds(15);
    PipelineClock clock = PipelineClock.system();
    Executor callbackExecutor;
    Duration historyTimeout = Duration.ofSeconds(2);

    private Builder() {}

    /** @param llm the language model (required) */
    public Builder llm(LlmProvider llm) {
      this.llm = Objects.requireNonNull(llm, "llm");
      return this;
    }

    /** @param tts the speech synthesiser; without one the pipeline streams text only */
    public Builder tts(TtsProvider tts) {
      this.tts = Objects.requireNonNull(tts, "tts");
      return this;
    }

    /** @param store where history lives (default: an {@link InMemoryConversationStore}) */
    public Builder conversationStore(ConversationStore store) {
      this.store = Objects.requireNonNull(store, "conversationStore");
      return this;
    }

    /** @param observer told about every stage of every turn; may be called more than once */
    public Builder observer(PipelineObserver observer) {
      observers.add(Objects.requireNonNull(observer, "observer"));
      return this;
    }

    /** @param systemPrompt the instructions sent first in every request; blank for none */
    public Builder systemPrompt(String systemPrompt) {
      this.systemPrompt = Objects.requireNonNull(systemPrompt, "systemPrompt");
      return this;
    }

    /** @param maxTokens the completion budget of text turns (default 500) */
    public Builder maxTokens(int maxTokens) {
      this.maxTokens = positive("maxTokens", maxTokens);
      return this;
    }

    /** @param visionMaxTokens the completion budget of turns with an image (default 300) */
    public Builder visionMaxTokens(int visionMaxTokens) {
      this.visionMaxTokens = positive("visionMaxTokens", visionMaxTokens);
      return this;
    }

    /** @param maxTextChars the longest user text accepted (default 4,000) */
    public Builder maxTextChars(int maxTextChars) {
      this.maxTextChars = positive("maxTextChars", maxTextChars);
      return this;
    }

    /** @param maxImageBytes the largest image accepted (default 10 MB) */
    public Builder maxImageBytes(int maxImageBytes) {
      this.maxImageBytes = positive("maxImageBytes", maxImageBytes);
      return this;
    }

    /** @param ttsConcurrency syntheses in flight per turn (default 3) */
    public Builder ttsConcurrency(int ttsConcurrency) {
      if (ttsConcurrency < 1 || ttsConcurrency > 32) {
        throw new IllegalArgumentException("ttsConcurrency must be in 1..32 but was " + ttsConcurrency);
      }
      this.ttsConcurrency = ttsConcurrency;
      return this;
    }

    /** @param turnDeadline the longest a turn may take before it fails (default 30 s) */
    public Builder turnDeadline(Duration turnDeadline) {
      Objects.requireNonNull(turnDeadline, "turnDeadline");
      if (turnDeadline.isNegative() || turnDeadline.isZero()
          || turnDeadline.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("turnDeadline must be in (0, 1 day] but was " + turnDeadline);
      }
      this.turnDeadline = turnDeadline;
      return this;
    }

    /**
     * @param cancelPreviousTurn whether a new turn of a session cancels its turn in flight
     *     (barge-in, default true)
     */
    public Builder cancelPreviousTurn(boolean cancelPreviousTurn) {
      this.cancelPreviousTurn = cancelPreviousTurn;
      return this;
    }

    /** @param settings how the speech chunker cuts the token stream */
    public Builder chunker(ChunkerSettings settings) {
      this.chunker = Objects.requireNonNull(settings, "chunker");
      return this;
    }

    /** @param ttsCache caches synthesised audio across turns */
    public Builder ttsCache(TtsCache ttsCache) {
      this.ttsCache = Objects.requireNonNull(ttsCache, "ttsCache");
      return this;
    }

    /** @param answerCache answers repeated questions without the LLM */
    public Builder answerCache(AnswerCache answerCache) {
      this.answerCache = Objects.requireNonNull(answerCache, "answerCache");
      return this;
    }

    /**
     * @param charsPerToken how many characters of answer one token of the completion budget
     *     allows (default 16): the answer is cut, its LLM stream closed and its finish reason set
     *     to {@code length} at {@code maxTokens × charsPerToken} characters, whatever the provider
     *     sends; 1..1000
     * @return this builder
     */
    public Builder answerCharsPerToken(int charsPerToken) {
      if (charsPerToken < 1 || charsPerToken > 1000) {
        throw new IllegalArgumentException("answerCharsPerToken must be in 1..1000 but was " + charsPerToken);
      }
      this.answerCharsPerToken = charsPerToken;
      return this;
    }

    /**
     * @param bytes what one turn may hold between its providers and its listener — text and audio
     *     received but not yet consumed by the listener (default 2 MiB, about 44 s of 24 kHz PCM).
     *     Past it the providers' reads wait (TCP pushes back on the server); at least 64 KiB
     * @return this builder
     */
    public Builder turnBufferBytes(long bytes) {
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("turnBufferBytes must be at least 65536 but was " + bytes);
      }
      this.turnBufferBytes = bytes;
      return this;
    }

    /**
     * The most audio one chunk may bring: {@code perCharacter} for each character of its text plus
     * {@code base}, at the chunk's sample rate as 16-bit PCM (default 500 ms per character + 5 s,
     * far beyond any real voice). Past it the synthesis is closed and the chunk is a speech
     * failure ({@link dev.officehours.errors.LimitExceededException}); the turn goes on.
     *
     * @param perCharacter audio allowed per character of text, positive
     * @param base audio allowed on top, zero or positive
     * @return this builder
     */
    public Builder speechAudioLimit(Duration perCharacter, Duration base) {
      this.speechAudioPerChar = requirePositive("speechAudioLimit perCharacter", perCharacter);
      Objects.requireNonNull(base, "speechAudioLimit base");
      if (base.isNegative()) {
        throw new IllegalArgumentException("speechAudioLimit base must not be negative but was " + base);
      }
      this.speechAudioBase = base;
      return this;
    }

    /**
     * The time budget of one chunk's synthesis (default 5 s to its first audio, 15 s in all,
     * retry included). Past either the chunk is a speech failure, the audio after it is delivered
     * and the turn goes on.
     *
     * @param firstByte from a synthesis' start to its first audio, positive
     * @param total from a chunk's first synthesis to its last byte, not below {@code firstByte}
     * @return this builder
     */
    public Builder speechTimeouts(Duration firstByte, Duration total) {
      requirePositive("speechTimeouts firstByte", firstByte);
      requirePositive("speechTimeouts total", total);
      if (total.compareTo(firstByte) < 0) {
        throw new IllegalArgumentException("speechTimeouts total (" + total
            + ") must not be shorter than firstByte (" + firstByte + ")");
      }
      this.speechFirstByteTimeout = firstByte;
      this.speechTotalTimeout = total;
      return this;
    }

    /**
     * @param lookahead how far ahead of playback speech is synthesised (default 15 s): a chunk
     *     after the one being heard starts only while the audio already started runs less than
     *     this far ahead of real-time playback, so a barge-in wastes little TTS; positive
     * @return this builder
     */
    public Builder speechLookahead(Duration lookahead) {
      this.speechLookahead = requirePositive("speechLookahead", lookahead);
      return this;
    }

    /**
     * @param timeout how long the pipeline waits for the conversation store (load, append,
     *     trimming an interrupted answer) before it goes on without it (default 2 s): a store that
     *     never answers must not keep a turn, or the session's next turn, from ending; at most 1
     *     minute
     * @return this builder
     */
    public Builder historyTimeout(Duration timeout) {
      requirePositive("historyTimeout", timeout);
      if (timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("historyTimeout must be at most 1 minute but was " + timeout);
      }
      this.historyTimeout = timeout;
      return this;
    }

    /**
     * @param clock the time every deadline, timeout and idle flush reads (default {@link
     *     PipelineClock#system()}); tests pass a clock they advance by hand
     * @return this builder
     */
    public Builder clock(PipelineClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @param executor runs listener callbacks (each turn's one at a time, in order). Default:
     *     virtual threads on Java 21+, a bounded elastic pool of daemon threads on Java 17. A
     *     listener that blocks holds one of its threads and slows only its own turn. An executor
     *     given here is not shut down by {@link ConversationPipeline#close()}
     * @return this builder
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /**
     * Builds the pipeline.
     *
     * @throws IllegalStateException when no LLM was set
     */
    public ConversationPipeline build() {
      if (llm == null) {
        throw new IllegalStateException("an LLM provider is required: call llm(...)");
      }
      return new ConversationPipeline(this);
    }

    private static Duration requirePositive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }

    private static int positive(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
