package dev.officehours;

import dev.officehours.tools.Tool;
import dev.officehours.cache.AnswerCache;
import dev.officehours.history.ConversationStore;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.llm.LlmProvider;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.stt.SttProvider;
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
   * Starts a turn and returns its handle at once. When the session has no earlier turn still
   * writing its history and the history store answers at once (in memory), the LLM provider's
   * call is started on the calling thread before this returns (for the OpenAI-compatible
   * provider: the request is built and handed to OkHttp, which sends it on a thread of its own),
   * which spares a hand-off between this call and the request on the wire; otherwise it starts on
   * the pipeline's threads once the history is read.
   *
   * @param request what the user said
   * @param listener receives the turn's events
   * @return the turn in flight
   * @throws InvalidRequestException before any network call, when the request breaks a limit
   *     (text length, image size or type, audio size or type); nothing is written to history then
   * @throws IllegalStateException when the request carries speech ({@link
   *     TurnRequest#speech()}) and the pipeline has no speech-to-text provider
   * @throws PipelineClosedException once {@link #close()} was called
   */
  public Turn start(TurnRequest request, TurnListener listener) {
    return engine.start(request, listener);
  }

  /**
   * Starts a turn from recorded speech and returns its handle at once: the audio is transcribed
   * with the pipeline's speech-to-text provider ({@link Builder#stt}), the transcript is reported
   * ({@link TurnListener#onTranscript}, the turn's first event) and then answered as a text turn;
   * history stores the transcript as the user's message. The same as {@link #start} with {@link
   * TurnRequest#builder(String, SpeechInput)}, which also carries per-turn settings.
   *
   * <pre>{@code
   * Turn turn = pipeline.startFromAudio("session-42", SpeechInput.of(wav, "audio/wav"), listener);
   * }</pre>
   *
   * <p>Cancelling the turn during transcription cancels the speech-to-text call. A failed
   * transcription ends the turn with the provider's error (stage {@code STT}), an empty transcript
   * with a {@link dev.officehours.errors.NoSpeechException}, a transcript over {@link
   * Builder#maxTextChars} with a {@link dev.officehours.errors.LimitExceededException}; none of
   * them calls the LLM or writes history. The turn's metrics' times run from this call, so they
   * include the transcription ({@link TurnMetrics#speechToText()}); its deadline runs from when
   * the session's previous turn has written its history (at once when there is none).
   *
   * @param sessionId the conversation, {@code [A-Za-z0-9._:-]{1,128}}
   * @param speech the recorded utterance
   * @param listener receives the turn's events
   * @return the turn in flight
   * @throws InvalidRequestException before any network call, when the session id is invalid or
   *     the audio is over {@link Builder#maxAudioBytes}, is not {@code WAV, MP3, Ogg, WebM, FLAC
   *     or MP4/M4A}, or is not the type its MIME type says
   * @throws IllegalStateException when the pipeline has no speech-to-text provider
   * @throws PipelineClosedException once {@link #close()} was called
   */
  public Turn startFromAudio(String sessionId, SpeechInput speech, TurnListener listener) {
    return start(TurnRequest.builder(sessionId, speech).build(), listener);
  }

  /**
   * A cold {@link Flow.Publisher} view of a turn: subscribing starts the turn, events are
   * buffered until requested, and cancelling the subscription cancels the turn. The request is
   * validated at once.
   *
   * @param request what the user said
   * @return a publisher for one subscriber; a second subscriber gets {@code onError}
   * @throws InvalidRequestException when the request breaks a limit, as for {@link #start}
   */
  public Flow.Publisher<TurnEvent> publisher(TurnRequest request) {
    engine.validate(request);
    return new TurnPublisher(this, request);
  }

  /**
   * The turn in flight for a session, if any.
   *
   * @param sessionId the session
   * @return its newest turn still in flight, or empty when none is
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
   * @return the store set on the builder, or the in-memory store made by default
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
   * @param gracePeriod how long turns in flight may take to finish; zero or positive
   * @return true when every turn finished on its own within the grace period
   * @throws IllegalArgumentException when {@code gracePeriod} is negative
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
   * names it in the error: {@link NullPointerException} for a null argument,
   * {@link IllegalArgumentException} for a value out of range.
   */
  public static final class Builder {
    /** The default of {@link #maxAudioBytes}: 10 MiB. */
    public static final int DEFAULT_MAX_AUDIO_BYTES = 10 * 1024 * 1024;

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
    final java.util.Map<String, Tool> tools = new java.util.LinkedHashMap<>();
    int maxToolRounds = 5;
    int maxRequestExtrasChars = 16_384;
    int maxToolCallsPerRound = 16;
    Duration toolTimeout = Duration.ofSeconds(10);
    int maxToolResultChars = 16_000;
    Duration toolFillerAfter;
    List<String> toolFillers = List.of();
    Executor toolExecutor;
    SttProvider stt;
    int maxAudioBytes = DEFAULT_MAX_AUDIO_BYTES;

    private Builder() {}

    /**
     * Sets the language model that writes the answers.
     *
     * @param llm the language model; required
     * @return this builder
     */
    public Builder llm(LlmProvider llm) {
      this.llm = Objects.requireNonNull(llm, "llm");
      return this;
    }

    /**
     * Sets the speech synthesiser that voices the answers.
     *
     * @param tts the speech synthesiser; without one (the default) the pipeline streams text only
     * @return this builder
     */
    public Builder tts(TtsProvider tts) {
      this.tts = Objects.requireNonNull(tts, "tts");
      return this;
    }

    /**
     * Sets where conversation history lives.
     *
     * @param store the history store (default: an {@link InMemoryConversationStore})
     * @return this builder
     */
    public Builder conversationStore(ConversationStore store) {
      this.store = Objects.requireNonNull(store, "conversationStore");
      return this;
    }

    /**
     * Adds an observer of the pipeline's stages, for metrics or tracing.
     *
     * @param observer told about every stage of every turn; call again to add more observers
     * @return this builder
     */
    public Builder observer(PipelineObserver observer) {
      observers.add(Objects.requireNonNull(observer, "observer"));
      return this;
    }

    /**
     * Sets the system prompt.
     *
     * @param systemPrompt the instructions sent first in every request (default: a brief
     *     voice-assistant prompt); blank for none
     * @return this builder
     */
    public Builder systemPrompt(String systemPrompt) {
      this.systemPrompt = Objects.requireNonNull(systemPrompt, "systemPrompt");
      return this;
    }

    /**
     * Sets the completion budget of text-only turns.
     *
     * @param maxTokens the most tokens the LLM may write per answer (default 500); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code maxTokens} is below 1
     */
    public Builder maxTokens(int maxTokens) {
      this.maxTokens = positive("maxTokens", maxTokens);
      return this;
    }

    /**
     * Sets the completion budget of turns that carry an image.
     *
     * @param visionMaxTokens the most tokens the LLM may write per answer (default 300); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code visionMaxTokens} is below 1
     */
    public Builder visionMaxTokens(int visionMaxTokens) {
      this.visionMaxTokens = positive("visionMaxTokens", visionMaxTokens);
      return this;
    }

    /**
     * Sets the longest user text a turn accepts; longer requests fail with an
     * {@link InvalidRequestException}.
     *
     * @param maxTextChars the limit in characters (default 4,000); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code maxTextChars} is below 1
     */
    public Builder maxTextChars(int maxTextChars) {
      this.maxTextChars = positive("maxTextChars", maxTextChars);
      return this;
    }

    /**
     * Sets the largest image a turn accepts; larger images fail with an
     * {@link InvalidRequestException}.
     *
     * @param maxImageBytes the limit in bytes of the encoded image (default 10 MiB); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code maxImageBytes} is below 1
     */
    public Builder maxImageBytes(int maxImageBytes) {
      this.maxImageBytes = positive("maxImageBytes", maxImageBytes);
      return this;
    }

    /**
     * Sets how many chunks of one turn are synthesised at the same time.
     *
     * @param ttsConcurrency syntheses in flight per turn (default 3); 1..32
     * @return this builder
     * @throws IllegalArgumentException when {@code ttsConcurrency} is outside 1..32
     */
    public Builder ttsConcurrency(int ttsConcurrency) {
      if (ttsConcurrency < 1 || ttsConcurrency > 32) {
        throw new IllegalArgumentException("ttsConcurrency must be in 1..32 but was " + ttsConcurrency);
      }
      this.ttsConcurrency = ttsConcurrency;
      return this;
    }

    /**
     * Sets the longest a turn may take; past it the turn fails with a
     * {@link dev.officehours.errors.TurnTimeoutException}.
     *
     * @param turnDeadline the deadline from the turn's start (default 30 s); more than zero, at
     *     most 1 day
     * @return this builder
     * @throws IllegalArgumentException when {@code turnDeadline} is outside (0, 1 day]
     */
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
     * Sets what a new turn does to its session's turn in flight.
     *
     * @param cancelPreviousTurn whether a new turn of a session cancels its turn in flight
     *     (barge-in, default true)
     * @return this builder
     */
    public Builder cancelPreviousTurn(boolean cancelPreviousTurn) {
      this.cancelPreviousTurn = cancelPreviousTurn;
      return this;
    }

    /**
     * Sets how the speech chunker cuts the token stream into chunks to synthesise.
     *
     * @param settings the chunker settings (default {@link ChunkerSettings#DEFAULT})
     * @return this builder
     */
    public Builder chunker(ChunkerSettings settings) {
      this.chunker = Objects.requireNonNull(settings, "chunker");
      return this;
    }

    /**
     * Sets a cache of synthesised audio, shared across turns and sessions.
     *
     * @param ttsCache the cache (default: none, every chunk is synthesised)
     * @return this builder
     */
    public Builder ttsCache(TtsCache ttsCache) {
      this.ttsCache = Objects.requireNonNull(ttsCache, "ttsCache");
      return this;
    }

    /**
     * Sets a cache that answers repeated questions without calling the LLM.
     *
     * @param answerCache the cache (default: none)
     * @return this builder
     */
    public Builder answerCache(AnswerCache answerCache) {
      this.answerCache = Objects.requireNonNull(answerCache, "answerCache");
      return this;
    }

    /**
     * Sets a hard cap on an answer's length, whatever the provider sends.
     *
     * @param charsPerToken how many characters of answer one token of the completion budget
     *     allows (default 16): the answer is cut, its LLM stream closed and its finish reason set
     *     to {@code length} at {@code maxTokens × charsPerToken} characters, whatever the provider
     *     sends; 1..1000
     * @return this builder
     * @throws IllegalArgumentException when {@code charsPerToken} is outside 1..1000
     */
    public Builder answerCharsPerToken(int charsPerToken) {
      if (charsPerToken < 1 || charsPerToken > 1000) {
        throw new IllegalArgumentException("answerCharsPerToken must be in 1..1000 but was " + charsPerToken);
      }
      this.answerCharsPerToken = charsPerToken;
      return this;
    }

    /**
     * Sets how much one turn may buffer for a slow listener.
     *
     * @param bytes what one turn may hold between its providers and its listener — text and audio
     *     received but not yet consumed by the listener (default 2 MiB, about 44 s of 24 kHz PCM).
     *     Past it the providers' reads wait (TCP pushes back on the server); at least 64 KiB
     * @return this builder
     * @throws IllegalArgumentException when {@code bytes} is below 65,536
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
     * @throws IllegalArgumentException when {@code perCharacter} is not positive or {@code base}
     *     is negative
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
     * <p>The first-audio limit is a floor: while the pipeline's recent syntheses have been slower
     * (a busy provider, or a machine so loaded that its threads read late), a chunk gets as long
     * as they took plus four deviations, as TCP sets its retransmission timer, and never past
     * {@code total}; after a cut the limit doubles (up to 8×) until a synthesis started after the
     * cut brings audio, as TCP backs off; {@code total} is stretched by the factor the limit is
     * raised by; a raised limit ends a second before the turn's deadline. So a load that
     * slows every synthesis does not become a storm of cuts, retries and dropped speech that load
     * the machine further, while one synthesis hung among healthy ones is still cut at {@code
     * firstByte}.
     *
     * @param firstByte from a synthesis' start to its first audio, positive
     * @param total from a chunk's first synthesis to its last byte, not below {@code firstByte}
     * @return this builder
     * @throws IllegalArgumentException when either is not positive or {@code total} is shorter
     *     than {@code firstByte}
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
     * Sets how far synthesis may run ahead of playback.
     *
     * @param lookahead how far ahead of playback speech is synthesised (default 15 s): a chunk
     *     after the one being heard starts only while the audio already started runs less than
     *     this far ahead of real-time playback, so a barge-in wastes little TTS; positive
     * @return this builder
     * @throws IllegalArgumentException when {@code lookahead} is not positive
     */
    public Builder speechLookahead(Duration lookahead) {
      this.speechLookahead = requirePositive("speechLookahead", lookahead);
      return this;
    }

    /**
     * Sets how long a turn waits for the conversation store.
     *
     * @param timeout how long the pipeline waits for the conversation store (load, append,
     *     trimming an interrupted answer) before it goes on without it (default 2 s): a store that
     *     never answers must not keep a turn, or the session's next turn, from ending; at most 1
     *     minute
     * @return this builder
     * @throws IllegalArgumentException when {@code timeout} is not positive or longer than 1
     *     minute
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
     * Sets the clock of every timer.
     *
     * @param clock the time every deadline, timeout and idle flush reads (default {@link
     *     PipelineClock#system()}); tests pass a clock they advance by hand
     * @return this builder
     */
    public Builder clock(PipelineClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets where listener callbacks run.
     *
     * @param executor runs listener callbacks (each turn's one at a time, in order), every one
     *     of them: given here, no callback runs anywhere else (a UI thread, say). Default: virtual
     *     threads on Java 21+, a bounded elastic pool of daemon threads on Java 17, where a
     *     provider's thread may also run the text and audio callbacks of what it just read (see
     *     {@link TurnListener}). A listener that blocks holds one thread and slows only its own
     *     turn. An executor given here is not shut down by {@link ConversationPipeline#close()}
     * @return this builder
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /**
     * Sets the most a turn's own request options may hold: its extra body fields (as JSON), extra
     * headers, system prompt addition and speech instructions together.
     *
     * @param chars at least 1,024; default 16,384
     * @return this builder
     * @throws IllegalArgumentException when {@code chars} is below 1,024
     */
    public Builder maxRequestExtrasChars(int chars) {
      if (chars < 1_024) {
        throw new IllegalArgumentException("maxRequestExtrasChars must be at least 1024 but was " + chars);
      }
      this.maxRequestExtrasChars = chars;
      return this;
    }

    /**
     * Gives the model functions it may call in any turn (a turn may add its own with {@link
     * TurnRequest.Builder#tools}). The pipeline runs the calls, sends the results back and goes on
     * speaking, for up to {@link #maxToolRounds} rounds. Calling this again adds more.
     *
     * @param tools the tools; not null
     * @return this builder
     * @throws IllegalArgumentException when two tools share a name
     */
    public Builder tools(Tool... tools) {
      for (Tool tool : tools) {
        Objects.requireNonNull(tool, "tool");
        if (this.tools.putIfAbsent(tool.name(), tool) != null) {
          throw new IllegalArgumentException("two tools are named '" + tool.name() + "'");
        }
      }
      return this;
    }

    /**
     * Sets how many rounds of tool calls one turn may make, so a model that keeps calling cannot
     * spin forever. The model's request after the last round offers the tools with {@code
     * tool_choice: none}; calls it makes all the same are not run (status {@code ROUND_LIMIT}).
     *
     * @param rounds the most rounds, at least 1; default 5
     * @return this builder
     * @throws IllegalArgumentException when {@code rounds} is below 1
     */
    public Builder maxToolRounds(int rounds) {
      this.maxToolRounds = positive("maxToolRounds", rounds);
      return this;
    }

    /**
     * Sets how many of the calls in one answer are run; a model that asks for more gets the rest
     * back as not run (status {@code CALL_LIMIT}), so a runaway answer cannot start hundreds.
     *
     * @param calls the most calls run per round, at least 1; default 16
     * @return this builder
     * @throws IllegalArgumentException when {@code calls} is below 1
     */
    public Builder maxToolCallsPerRound(int calls) {
      this.maxToolCallsPerRound = positive("maxToolCallsPerRound", calls);
      return this;
    }

    /**
     * Sets how long the pipeline waits for a tool's result before telling the model it timed out
     * (a tool's own {@link Tool#withTimeout} wins). A cancellable tool is cancelled then.
     *
     * @param timeout positive; default 10 s
     * @return this builder
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public Builder toolTimeout(Duration timeout) {
      this.toolTimeout = requirePositive("toolTimeout", timeout);
      return this;
    }

    /**
     * Sets the longest tool result sent to the model; a longer one is cut there, with a note
     * saying so, and the listener's {@link ToolResult#truncated()} is true.
     *
     * @param chars at least 100; default 16,000
     * @return this builder
     * @throws IllegalArgumentException when {@code chars} is below 100
     */
    public Builder maxToolResultChars(int chars) {
      if (chars < 100) {
        throw new IllegalArgumentException("maxToolResultChars must be at least 100 but was " + chars);
      }
      this.maxToolResultChars = chars;
      return this;
    }

    /**
     * Speaks a short filler ("One moment, let me check.") when a round of tool calls takes longer
     * than {@code after}, so the caller does not sit in silence. Fillers take turns, one per
     * round; they go through the TTS cache like any chunk, so each costs one synthesis at most.
     * Off by default; needs a TTS provider.
     *
     * @param after how long a round runs before the filler is spoken; positive
     * @param phrases what to say, at least one, none blank
     * @return this builder
     * @throws IllegalArgumentException when {@code after} is not positive, or no phrase is given,
     *     or one is blank
     */
    public Builder toolFiller(Duration after, String... phrases) {
      requirePositive("toolFiller after", after);
      List<String> list = List.of(phrases);
      if (list.isEmpty() || list.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException("toolFiller needs at least one phrase, none blank");
      }
      this.toolFillerAfter = after;
      this.toolFillers = list;
      return this;
    }

    /**
     * Sets where tool functions run.
     *
     * @param executor runs tool calls. Default: virtual threads on Java 21+, a bounded elastic
     *     pool of daemon threads on Java 17. An executor given here is not shut down by
     *     {@link ConversationPipeline#close()}
     * @return this builder
     */
    public Builder toolExecutor(Executor executor) {
      this.toolExecutor = Objects.requireNonNull(executor, "toolExecutor");
      return this;
    }

    /**
     * Sets the speech-to-text engine that transcribes turns started from audio ({@link
     * ConversationPipeline#startFromAudio}).
     *
     * @param stt the speech-to-text provider, e.g. {@code OpenAiTranscription}; without one (the
     *     default) a turn started from audio is refused with an {@link IllegalStateException}
     * @return this builder
     */
    public Builder stt(SttProvider stt) {
      this.stt = Objects.requireNonNull(stt, "stt");
      return this;
    }

    /**
     * Sets the largest recording a turn started from audio accepts; a larger one fails with an
     * {@link InvalidRequestException} before any upload.
     *
     * @param maxAudioBytes the limit in bytes of the encoded audio (default 10 MiB: over five
     *     minutes of 16 kHz WAV, far more of compressed audio); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code maxAudioBytes} is below 1
     */
    public Builder maxAudioBytes(int maxAudioBytes) {
      this.maxAudioBytes = positive("maxAudioBytes", maxAudioBytes);
      return this;
    }

    /**
     * Builds the pipeline.
     *
     * @return a new pipeline with this builder's settings, ready to start turns
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
