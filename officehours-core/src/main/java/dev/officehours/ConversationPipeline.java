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
import java.util.concurrent.Flow;
import dev.officehours.errors.InvalidRequestException;

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

  /** Starts a pipeline configuration. */
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

  /** The turn in flight for a session, if any. */
  public Optional<Turn> activeTurn(String sessionId) {
    return engine.activeTurn(sessionId);
  }

  /** Turns in flight right now. */
  public int activeTurns() {
    return engine.activeTurnCount();
  }

  /** The conversation store holding history. */
  public ConversationStore conversationStore() {
    return engine.store();
  }

  /** Cancels every turn in flight. Providers and their shared HTTP clients are not closed. */
  @Override
  public void close() {
    engine.close();
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
      if (turnDeadline.isNegative() || turnDeadline.isZero()) {
        throw new IllegalArgumentException("turnDeadline must be positive but was " + turnDeadline);
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

    private static int positive(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
