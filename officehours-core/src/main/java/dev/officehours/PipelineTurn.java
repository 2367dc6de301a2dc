package dev.officehours;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.history.HistoryMessage;
import dev.officehours.internal.BufferBudget;
import dev.officehours.internal.SerialExecutor;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ContentPart;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.TokenUsage;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.llm.ToolChoice;
import dev.officehours.llm.ToolDefinition;
import dev.officehours.stt.Transcript;
import dev.officehours.text.SpeechChunker;
import dev.officehours.tools.Tool;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One turn in flight: its lifecycle from history to LLM to the one terminal event. All of its
 * state is confined to its {@link SerialExecutor} mailbox on the engine's pool: network callbacks
 * only take their share of the turn's {@link BufferBudget} and enqueue, so the turn needs no lock.
 * Speech is the {@link SpeechScheduler}'s job, the listener's callbacks {@link TurnCallbacks}'.
 * Only the {@link #ending} flag and the calls to cancel are touched from other threads, so that
 * {@link #cancel()} stops the network at once.
 */
final class PipelineTurn implements Turn {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);
  /** Past the turn's deadline, providers get this much longer, so the turn's own timer wins. */
  private static final Duration PROVIDER_GRACE = Duration.ofSeconds(1);

  private final PipelineEngine engine;
  private final String id;
  private final TurnRequest request;
  private final TurnListener listener;
  private final SerialExecutor mailbox;
  private final BufferBudget budget;
  private final TurnCallbacks callbacks;
  private final long startNanos;
  private final CompletableFuture<TurnResult> completion = new CompletableFuture<>();
  private final CompletableFuture<Void> historyWritten = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  /** Set once by whoever ends the turn first (complete, fail, cancel); later events are dropped. */
  private final AtomicBoolean ending = new AtomicBoolean();
  private volatile LlmCall llmCall;
  /** Answer characters taken from the LLM so far, counted on the provider's thread. */
  private final AtomicLong answerChars = new AtomicLong();
  private final long maxAnswerChars;
  private volatile boolean answerLimitHit;
  /** The turn completed and stored its whole answer: an interrupt may still amend it. */
  private volatile boolean completedWhole;
  private final AtomicBoolean amended = new AtomicBoolean();

  // --- confined to the mailbox ---
  private final SpeechChunker chunker;
  private final SpeechScheduler speech;
  private final Consumer<String> chunkSink;
  private final StringBuilder text = new StringBuilder();
  private boolean llmDone;
  private LlmCompletion llmCompletion;
  private long firstTokenNanos = -1;
  private boolean answerFromCache;
  private long firstAudioNanos = -1;
  private long lastTokenNanos;
  private PipelineClock.Timer idleCheck;
  private PipelineClock.Timer deadline;
  private long creditedPauseNanos;

  // --- tools, confined to the mailbox (but the round in flight is read by cancel) ---
  private final Map<String, Tool> tools;
  private final List<ToolDefinition> toolDefinitions;
  /** The conversation sent to the model: the prompt, then each round's calls and results. */
  private List<ChatMessage> conversation;
  /** LLM calls started; the current call's events are the only ones heard. */
  private int llmCalls;
  /** Where the text of each LLM call starts in {@link #text}. */
  private final List<Integer> callTextStart = new ArrayList<>();
  /** Tool rounds, each following the LLM call of the same index. */
  private final List<ToolRound> rounds = new ArrayList<>();
  private volatile ToolRound toolRound;
  private boolean separatorPending;
  private final List<ToolResult> toolResults = new ArrayList<>();
  private long toolNanos;
  /** Token usage of the LLM calls that ended in tool calls. */
  private final List<TokenUsage> roundUsage = new ArrayList<>();
  /** The provider that served the last LLM call that completed; empty until one did. */
  private String llmProvider = "";

  // --- reasoning, confined to the mailbox: timed, never spoken, shown or stored ---
  /** Time to the first token of the answer itself; {@link #firstTokenNanos} counts reasoning too. */
  private long firstAnswerTokenNanos = -1;

  // --- speech input: the transcription in flight is read by cancel ---
  private volatile CompletableFuture<Transcript> sttCall;
  /** How long the transcription took, or -1 (a text turn, or no transcript yet). */
  private volatile long sttNanos = -1;
  /** The user's words: the request's text, or the transcript of its speech once it arrived. */
  private volatile String userText;

  PipelineTurn(PipelineEngine engine, String id, TurnRequest request, TurnListener listener) {
    this.engine = engine;
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.startNanos = engine.clock.nanoTime();
    this.mailbox = new SerialExecutor(engine.pool,
        (t, e) -> log.error("turn {}: unexpected error in pipeline task", id, e));
    this.budget = new BufferBudget(engine.turnBufferBytes);
    this.callbacks = new TurnCallbacks(id, engine.callbackExecutor, engine.ownsCallbackExecutor(), budget);
    this.maxAnswerChars = (long) effectiveMaxTokens() * engine.answerCharsPerToken;
    this.chunker = new SpeechChunker(engine.chunker);
    this.speech = engine.tts == null ? null : new SpeechScheduler(this, engine, budget);
    this.chunkSink = speech == null ? s -> {} : speech::onChunk;
    if (request.tools().isEmpty()) {
      this.tools = engine.tools;
    } else {
      Map<String, Tool> all = new LinkedHashMap<>(engine.tools);
      request.tools().forEach(t -> all.put(t.name(), t)); // the turn's own tool wins
      this.tools = all;
    }
    List<ToolDefinition> definitions = new ArrayList<>(tools.size());
    tools.values().forEach(t -> definitions.add(t.definition()));
    this.toolDefinitions = List.copyOf(definitions);
    this.userText = request.text();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String sessionId() {
    return request.sessionId();
  }

  @Override
  public CompletableFuture<TurnResult> completion() {
    return completion.copy();
  }

  /** The turn's own outcome future, for the engine. */
  CompletableFuture<TurnResult> outcome() {
    return completion;
  }

  /** Completes once this turn has written (or decided not to write) its history. */
  CompletableFuture<Void> historyWritten() {
    return historyWritten;
  }

  /** Completes as soon as the turn has decided to end, before its last callbacks have run. */
  CompletableFuture<Void> ended() {
    return ended;
  }

  TurnRequest request() {
    return request;
  }

  PipelineClock clock() {
    return engine.clock;
  }

  SerialExecutor mailbox() {
    return mailbox;
  }

  /**
   * Runs {@code task}, a provider's token or audio piece, on the mailbox from the provider's own
   * thread: right here when the mailbox is idle, and then the listener callbacks it emitted too
   * (see {@link TurnCallbacks#deliverHere}); else queued. On an engine thread (a provider that
   * answered inside a call made by a mailbox task) only the mailbox part may run here.
   */
  void deliverHere(Runnable task) {
    if (engine.isEngineThread()) {
      mailbox.executeHere(task);
    } else {
      callbacks.deliverHere(mailbox, task);
    }
  }

  boolean isEnding() {
    return ending.get();
  }

  /**
   * Whether the current thread may wait for the budget: never the turn's own threads, nor a
   * provider's thread while it runs the turn's mailbox (a provider that answers inside {@code
   * synthesize()}, called from a mailbox task run on its own reader thread): only later mailbox
   * tasks free the budget, so that wait would never end.
   */
  boolean mayWait() {
    return !engine.isEngineThread() && !TurnCallbacks.inCallback() && !mailbox.runsOnCurrentThread();
  }

  @Override
  public String toString() {
    return "Turn[" + id + ", session=" + request.sessionId() + "]";
  }

  // ------------------------------------------------------------------ start

  /** Starts the turn once {@code after} (the previous turn's history) is done. */
  void begin(CompletableFuture<?> after) {
    if (after.isDone() && request.speech().isEmpty()) {
      CompletableFuture<List<HistoryMessage>> loaded;
      try {
        loaded = engine.bounded(engine.store.load(request.sessionId()));
      } catch (Throwable e) { // an Error too: the turn is registered and must still end
        loaded = CompletableFuture.failedFuture(e);
      }
      if (loaded.isDone()) {
        // The common case: no earlier turn of the session to wait for, its history at hand (in
        // memory, or cached). The request goes out from the caller's thread, in the turn's
        // still idle mailbox: no hand-off to the turn pool between start() and the wire.
        List<HistoryMessage> history = null;
        Throwable error = null;
        try {
          history = loaded.join();
        } catch (RuntimeException e) {
          error = e;
        }
        List<HistoryMessage> h = history;
        Throwable err = error;
        mailbox.executeHere(() -> {
          try {
            startLlm(h, err);
          } finally {
            // Armed once the request is on its way (arming wakes the timer thread), for the time
            // left since start(); none of the call's events can run before this task ends. In a
            // finally: should anything escape startLlm, the deadline still ends the turn.
            armDeadline(Duration.ofNanos(remainingNanos())); // never negative
          }
        });
      } else {
        mailbox.execute(this::armDeadline);
        loaded.whenComplete((history, error) -> mailbox.execute(() -> startLlm(history, error)));
      }
      return;
    }
    // Armed in the mailbox, so a cancel that came first (a racing start of the same session)
    // finds either no deadline to arm or one to cancel.
    // The deadline runs from when the session's previous turn has written its history: that turn
    // may still be waiting for an uncancellable tool (a booking) this turn's answer must know of.
    CompletableFuture<Boolean> previousDone = after.handle((ignored, error) -> {
      mailbox.execute(this::armDeadline);
      return true;
    });
    // Speech is transcribed while the previous turn writes its history; history is read once both
    // are done, and not at all when the transcription ended the turn.
    CompletableFuture<Boolean> ready = request.speech().isEmpty() ? previousDone
        : previousDone.thenCombine(transcribe(), (ignored, heard) -> heard);
    ready.thenCompose(heard -> heard ? engine.bounded(engine.store.load(request.sessionId()))
            : CompletableFuture.completedFuture(List.<HistoryMessage>of()))
        .whenComplete((history, error) -> mailbox.execute(() -> startLlm(history, error)));
  }

  /** In the mailbox: the turn's deadline starts now, unless the turn is already ending. */
  private void armDeadline() {
    armDeadline(engine.turnDeadline);
  }

  /** In the mailbox: the turn's deadline comes {@code in} from now, unless the turn is ending. */
  private void armDeadline(Duration in) {
    if (!ending.get()) {
      deadline = engine.clock.schedule(() -> mailbox.execute(this::onDeadline), in);
    }
  }

  /**
   * Starts the transcription of the request's speech; completes, on the mailbox, with whether
   * the turn goes on (false: it failed, or was cancelled meanwhile).
   */
  private CompletableFuture<Boolean> transcribe() {
    SpeechInput speech = request.speech().orElseThrow();
    CompletableFuture<Boolean> heard = new CompletableFuture<>();
    long started = engine.clock.nanoTime();
    CompletableFuture<Transcript> call;
    try {
      call = engine.stt.transcribe(speech.audio(), speech.mimeType(), speech.language());
      java.util.Objects.requireNonNull(call, "the STT provider returned no future");
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    sttCall = call;
    if (ending.get()) {
      call.cancel(true); // cancelled while the call started
    }
    call.whenComplete((transcript, error) -> mailbox.execute(
        () -> heard.complete(onTranscript(speech, transcript, error, started))));
    return heard;
  }

  private boolean onTranscript(SpeechInput speech, Transcript transcript, Throwable error, long started) {
    if (ending.get()) {
      return false;
    }
    long took = engine.clock.nanoTime() - started;
    if (error != null) {
      fail(asOfficeHours(Stage.STT, error));
      return false;
    }
    sttNanos = took;
    engine.observer.sttCompleted(Duration.ofNanos(took));
    String words = transcript.text().strip();
    if (words.isEmpty()) {
      fail(new dev.officehours.errors.NoSpeechException("no speech was recognised in the audio ("
          + speech.audio().length + " bytes of " + speech.mimeType() + "): nothing to answer"));
      return false;
    }
    if (words.length() > engine.maxTextChars) {
      fail(new dev.officehours.errors.LimitExceededException(Stage.STT, "maxTextChars", engine.maxTextChars,
          "the transcript is " + words.length() + " characters, over the limit of " + engine.maxTextChars
              + " (maxTextChars)"));
      return false;
    }
    userText = words;
    Transcribed event = new Transcribed(id, words, transcript.language(), Duration.ofNanos(took));
    callbacks.emit(() -> listener.onTranscript(event), 0);
    return true;
  }

  private void startLlm(List<HistoryMessage> history, Throwable error) {
    if (ending.get()) {
      return;
    }
    if (error != null) {
      // History is context, not the answer: go on without it rather than fail the turn.
      OfficeHoursException e = new OfficeHoursException(Stage.HISTORY,
          "could not load history of session " + request.sessionId(), unwrap(error));
      log.warn("turn {}: {}; answering without history", id, e.getMessage(), e.getCause());
      engine.observer.error(Stage.HISTORY, e);
      history = List.of();
    }
    conversation = prompt(history);
    streamLlm();
  }

  /** Starts an LLM call on the conversation so far: the first, or one after a tool round. */
  private void streamLlm() {
    if (answerLimitHit) {
      llmDone = true; // the answer reached its limit during the tool round: it ends here
      maybeFinish();
      return;
    }
    int callNumber = ++llmCalls;
    callTextStart.add(text.length());
    ChatRequest.Builder chat = ChatRequest.builder(conversation)
        .maxTokens(effectiveMaxTokens())
        .deadline(Instant.now().plusNanos(remainingNanos()).plus(PROVIDER_GRACE));
    request.temperature().ifPresent(chat::temperature);
    request.model().ifPresent(chat::model);
    if (!request.chatExtraBody().isEmpty()) {
      chat.extraBody(request.chatExtraBody());
    }
    if (!request.chatHeaders().isEmpty()) {
      chat.extraHeaders(request.chatHeaders());
    }
    if (!toolDefinitions.isEmpty()) {
      // Out of rounds: the model still sees the tools (history mentions them) but must answer.
      chat.tools(toolDefinitions).toolChoice(
          rounds.size() >= engine.maxToolRounds ? ToolChoice.NONE : ToolChoice.AUTO);
    }
    try {
      LlmCall call = engine.llm.stream(chat.build(), new LlmEvents(callNumber));
      llmCall = call;
      if (ending.get() || answerLimitHit) {
        call.cancel();
      }
    } catch (RuntimeException e) {
      fail(asOfficeHours(Stage.LLM, e));
    }
  }

  private int effectiveMaxTokens() {
    return request.maxTokens().orElse(
        request.image().isPresent() ? engine.visionMaxTokens : engine.maxTokens);
  }

  /** The system prompt, the history (told where an answer was interrupted), the question. */
  private List<ChatMessage> prompt(List<HistoryMessage> history) {
    List<ChatMessage> messages = new ArrayList<>(history.size() + 2);
    String system = request.systemPromptAddition()
        .map(addition -> engine.systemPrompt.isBlank() ? addition : engine.systemPrompt + "\n\n" + addition)
        .orElse(engine.systemPrompt);
    if (!system.isBlank()) {
      messages.add(ChatMessage.system(system));
    }
    boolean sawUser = false;
    for (HistoryMessage m : history) {
      // A store that trims its oldest messages may cut a pair in two: an answer without its
      // question must not open the conversation (some servers reject it).
      sawUser |= m.role() == ChatMessage.Role.USER;
      if (!sawUser) {
        continue;
      }
      if (m.role() == ChatMessage.Role.ASSISTANT && m.interrupted()) {
        messages.add(ChatMessage.assistant(m.text().isEmpty()
            ? INTERRUPTED_BEFORE_HEARD : m.text() + " " + INTERRUPTED_HERE));
      } else {
        messages.add(m.toChatMessage());
      }
    }
    messages.add(userMessage());
    return messages;
  }

  /** Appended to an answer cut short (barge-in, failure), so the model knows what was not heard. */
  static final String INTERRUPTED_HERE = "[the answer was cut off here; the user heard no more]";
  /** Stands for an answer cut off before the user heard any of it. */
  static final String INTERRUPTED_BEFORE_HEARD = "[the answer was cut off before the user heard any of it]";

  private ChatMessage userMessage() {
    if (request.image().isEmpty()) {
      return ChatMessage.user(userText);
    }
    byte[] image = request.image().get();
    return new ChatMessage(ChatMessage.Role.USER, List.of(
        new ContentPart.Text(userText),
        new ContentPart.Image(image, dev.officehours.internal.Images.sniffMimeType(image).orElseThrow(),
            request.imageDetail())));
  }

  // ------------------------------------------------------------------ LLM events

  /**
   * Network callbacks of the LLM call. Each token is held to the answer-length limit and takes its
   * share of the budget on the provider's thread (which waits when the listener is behind), then
   * goes to the mailbox: run right there when the mailbox is idle, which spares a thread hand-off
   * per token, else queued. The call's other events (once per call) are always queued, so that
   * their heavier work never runs on a thread that is not ours (a retry timer, a fallback's).
   */
  private final class LlmEvents implements LlmListener {
    private final int callNumber;

    LlmEvents(int callNumber) {
      this.callNumber = callNumber;
    }

    @Override
    public void onToken(String delta) {
      if (ending.get() || delta.isEmpty()) {
        return;
      }
      long before = answerChars.getAndAdd(delta.length());
      if (before >= maxAnswerChars) {
        answerLimitReached();
        return;
      }
      String piece = delta;
      boolean limit = before + delta.length() > maxAnswerChars;
      if (limit) {
        int keep = (int) (maxAnswerChars - before);
        if (keep > 0 && Character.isHighSurrogate(delta.charAt(keep - 1))) {
          keep--;
        }
        piece = delta.substring(0, keep);
      }
      if (!piece.isEmpty() && budget.acquire(BufferBudget.TEXT, 2L * piece.length(), mayWait())) {
        String accepted = piece;
        deliverHere(() -> PipelineTurn.this.onToken(accepted));
      }
      if (limit) {
        answerLimitReached();
      }
    }

    /** Once: close the LLM call and end the answer where it is. */
    private void answerLimitReached() {
      if (answerLimitHit) {
        return; // provider callbacks never overlap: no race on this flag
      }
      answerLimitHit = true;
      LlmCall call = llmCall;
      if (call != null) {
        call.cancel();
      }
      mailbox.execute(PipelineTurn.this::onAnswerLimit);
    }

    @Override
    public void onCacheHit() {
      mailbox.execute(() -> answerFromCache = true);
    }

    @Override
    public void onComplete(LlmCompletion c) {
      mailbox.execute(() -> {
        if (callNumber == llmCalls) {
          onLlmComplete(c);
        }
      });
    }

    @Override
    public void onError(OfficeHoursException error) {
      mailbox.execute(() -> {
        if (!answerLimitHit && callNumber == llmCalls) {
          fail(error);
        }
      });
    }

    /** Set once this call's first reasoning went to the mailbox; the rest only costs a check. */
    private volatile boolean reasoningSeen;

    /**
     * Reasoning is not the answer: it only starts the clock of time to first token. Nothing of it
     * is kept, so it takes no budget and cannot make the turn wait.
     */
    @Override
    public void onReasoning(String delta) {
      if (reasoningSeen || ending.get() || delta.isEmpty()) {
        return;
      }
      reasoningSeen = true;
      mailbox.execute(PipelineTurn.this::onFirstReasoning);
    }
  }

  private void onFirstReasoning() {
    if (ending.get() || llmDone || firstTokenNanos >= 0) {
      return;
    }
    firstTokenNanos = engine.clock.nanoTime() - startNanos;
    engine.observer.llmFirstToken(Duration.ofNanos(firstTokenNanos), answerFromCache);
  }

  private void onToken(String delta) {
    if (ending.get() || llmDone) {
      budget.dropped(2L * delta.length());
      return;
    }
    long now = engine.clock.nanoTime();
    if (firstTokenNanos < 0) {
      firstTokenNanos = now - startNanos;
      engine.observer.llmFirstToken(Duration.ofNanos(firstTokenNanos), answerFromCache);
    }
    if (firstAnswerTokenNanos < 0) {
      firstAnswerTokenNanos = now - startNanos;
      engine.observer.llmFirstAnswerToken(Duration.ofNanos(firstAnswerTokenNanos), answerFromCache);
    }
    lastTokenNanos = now;
    long weight = 2L * delta.length();
    String shown = delta;
    if (separatorPending) {
      // The answer goes on after a tool round: keep its words apart from what came before.
      separatorPending = false;
      if (!Character.isWhitespace(delta.charAt(0))) {
        shown = " " + delta;
      }
    }
    text.append(shown);
    TextDelta event = new TextDelta(id, shown);
    callbacks.emit(() -> listener.onText(event), weight);
    if (speech != null) {
      chunker.append(shown, chunkSink);
      if (idleCheck == null && chunker.hasBufferedText()) {
        scheduleIdleCheck(engine.chunker.idleFlush());
      }
    }
  }

  /** The answer reached its length limit: end it there as the model would at max tokens. */
  private void onAnswerLimit() {
    if (ending.get() || llmDone || toolRound != null) {
      return;
    }
    log.info("turn {}: the answer reached its limit of {} characters ({} per token, setting: "
        + "answerCharsPerToken); closing the LLM stream", id, maxAnswerChars, engine.answerCharsPerToken);
    onLlmComplete(new LlmCompletion("length", TokenUsage.NONE, "", false));
  }

  private void onLlmComplete(LlmCompletion c) {
    if (ending.get() || llmDone) {
      return;
    }
    engine.observer.llmCompleted(Duration.ofNanos(engine.clock.nanoTime() - startNanos), c.fromCache());
    cancelIdleCheck();
    if (speech != null) {
      // Before a tool round too: what the model said before calling is spoken while tools run.
      chunker.flush(chunkSink);
    }
    llmCompletion = c;
    // a chain names the member that served; any other provider served the call itself
    llmProvider = c.provider().isEmpty() ? engine.llm.id() : c.provider();
    if (!c.toolCalls().isEmpty() && !tools.isEmpty()) {
      startToolRound(c);
      return;
    }
    llmDone = true;
    maybeFinish();
  }

  // ------------------------------------------------------------------ tools

  private void startToolRound(LlmCompletion c) {
    roundUsage.add(c.usage());
    String said = text.substring(callTextStart.get(callTextStart.size() - 1)).strip();
    ToolRound round = new ToolRound(this, engine, rounds.size() + 1, tools, c.toolCalls(),
        this::onToolResult, () -> onToolRoundDone());
    rounds.add(round);
    toolRound = round;
    conversation.add(ChatMessage.assistant(said, round.requests()));
    boolean runnable = rounds.size() <= engine.maxToolRounds;
    if (runnable && speech != null && engine.toolFillerAfter != null) {
      round.fillerAfter(engine.toolFillerAfter, () ->
          speech.onFiller(engine.nextToolFiller()));
    }
    round.start(runnable, started -> callbacks.emit(() -> listener.onToolCall(started), 0));
  }

  /** The token usage of every LLM call of the turn together. */
  private TokenUsage usage() {
    if (roundUsage.isEmpty()) {
      return llmCompletion.usage();
    }
    int prompt = llmCompletion.usage().promptTokens();
    int completion = llmCompletion.usage().completionTokens();
    int total = llmCompletion.usage().totalTokens();
    int reasoning = llmCompletion.usage().reasoningTokens();
    for (TokenUsage u : roundUsage) {
      prompt += u.promptTokens();
      completion += u.completionTokens();
      total += u.totalTokens();
      reasoning += u.reasoningTokens();
    }
    return new TokenUsage(prompt, completion, total, reasoning);
  }

  private void onToolResult(ToolResult result) {
    toolResults.add(result);
    callbacks.emit(() -> listener.onToolResult(result), 0);
  }

  private void onToolRoundDone() {
    ToolRound round = toolRound;
    if (ending.get() || round == null || !round.done()) {
      return;
    }
    toolRound = null;
    toolNanos += engine.clock.nanoTime() - round.startNanos();
    for (ToolRound.Call call : round.calls()) {
      conversation.add(ChatMessage.toolResult(call.id, call.result.result()));
    }
    if (!round.ran()) {
      llmDone = true; // out of rounds and the model called again: the answer ends here
      maybeFinish();
      return;
    }
    separatorPending = text.length() > 0 && !Character.isWhitespace(text.charAt(text.length() - 1));
    streamLlm();
  }

  /** Ends the tool round in flight, if any, as the turn ends; completes on the mailbox. */
  private CompletableFuture<Void> settleTools() {
    ToolRound round = toolRound;
    if (round == null || round.done()) {
      return CompletableFuture.completedFuture(null);
    }
    return round.settle();
  }

  // ------------------------------------------------------------------ idle flush

  private void scheduleIdleCheck(Duration delay) {
    idleCheck = engine.clock.schedule(() -> mailbox.execute(this::onIdleCheck), delay);
  }

  private void onIdleCheck() {
    idleCheck = null;
    if (ending.get() || llmDone || !chunker.hasBufferedText()) {
      return;
    }
    long idleFor = engine.clock.nanoTime() - lastTokenNanos;
    long limit = engine.chunker.idleFlush().toNanos();
    if (idleFor >= limit) {
      // flushIdle keeps an open code fence whole: speaking half a block would misread the rest.
      chunker.flushIdle(chunkSink);
    } else {
      scheduleIdleCheck(Duration.ofNanos(limit - idleFor));
    }
  }

  private void cancelIdleCheck() {
    if (idleCheck != null) {
      idleCheck.cancel();
      idleCheck = null;
    }
  }

  // ------------------------------------------------------------------ audio out

  /** Hands a piece of audio, in order, to the listener. */
  void deliverAudio(SpeechScheduler.Chunk chunk, int frameIndex, byte[] audio,
      java.util.List<dev.officehours.tts.WordTiming> words) {
    if (firstAudioNanos < 0) {
      firstAudioNanos = engine.clock.nanoTime() - startNanos;
      engine.observer.turnFirstAudio(Duration.ofNanos(firstAudioNanos));
    }
    AudioFrame frame = new AudioFrame(
        id, chunk.index, frameIndex, chunk.speakable, chunk.format, audio, chunk.fromCache, words);
    callbacks.emit(() -> listener.onAudio(frame), audio.length);
  }

  /** A chunk ended: the turn may be done. */
  void speechProgressed() {
    maybeFinish();
  }

  // ------------------------------------------------------------------ ending

  private boolean beginEnding() {
    if (!ending.compareAndSet(false, true)) {
      return false;
    }
    budget.close();
    ended.complete(null);
    return true;
  }

  private void maybeFinish() {
    if (!llmDone || ending.get() || (speech != null && !speech.drained())) {
      return;
    }
    completedWhole = true; // before ending: an interrupt from now on amends instead of cancelling
    if (!beginEnding()) {
      completedWhole = false;
      return;
    }
    if (speech != null) {
      speech.stop(); // nothing is in flight; this ends a pending lookahead check
    }
    stopTimers();
    LlmCall call = llmCall;
    if (call != null && !answerLimitHit && rounds.isEmpty()) {
      quietly(call::commit); // a turn that used tools is never cached: its answer came from them
    }
    String answer = text.toString();
    TurnResult result = result(TurnOutcome.COMPLETED, answer, llmCompletion.finishReason(),
        usage(), llmCompletion.fromCache());
    writeHistory(answer, false).whenComplete((v, e) -> mailbox.execute(() -> {
      engine.ended(this);
      engine.observer.turnEnded(TurnOutcome.COMPLETED, result.metrics().total());
      callbacks.emitTerminal(() -> listener.onComplete(result));
      callbacks.then(() -> completion.complete(result));
    }));
  }

  @Override
  public boolean cancel() {
    return stop(null);
  }

  @Override
  public boolean interrupt(PlaybackPosition heard) {
    java.util.Objects.requireNonNull(heard, "heard");
    if (stop(heard)) {
      return true;
    }
    // Already ended. Typically the whole answer was sent and stored while the caller was still
    // playing it: amend the stored answer to what was heard.
    if (!completedWhole || speech == null || !engine.isLatestTurn(this)
        || !amended.compareAndSet(false, true)) {
      return false; // a later turn of the session exists: its history is not ours to trim
    }
    CompletableFuture<Void> amendment = new CompletableFuture<>();
    engine.historyPending(request.sessionId(), amendment);
    historyWritten.thenRun(() -> mailbox.execute(() -> amendHistory(heard, amendment)));
    return true;
  }

  private void amendHistory(PlaybackPosition heard, CompletableFuture<Void> amendment) {
    CompletableFuture<Boolean> replaced;
    try {
      String answer = text.toString();
      String heardText = speech.heardText(answer, heard);
      // After tool rounds only the answer's last part is the stored last message; the parts
      // before the calls stay whole.
      int last = callTextStart.size() - 1;
      String stored = rounds.isEmpty() ? answer : segment(answer, last);
      if (heardText.equals(answer.strip()) || stored.isEmpty()) {
        engine.historySettled(request.sessionId(), amendment); // heard to the end: nothing to amend
        return;
      }
      String heardPart = rounds.isEmpty() ? heardText : segment(heardText, last);
      replaced = engine.bounded(engine.store.replaceLastAnswer(request.sessionId(), stored,
          new HistoryMessage(ChatMessage.Role.ASSISTANT, heardPart, true, Instant.now())));
    } catch (RuntimeException e) {
      replaced = CompletableFuture.failedFuture(e);
    }
    replaced.whenComplete((ok, e) -> {
      if (e != null) {
        OfficeHoursException error = new OfficeHoursException(Stage.HISTORY,
            "could not keep only the heard answer in history of session " + request.sessionId(),
            unwrap(e));
        log.warn("turn {}: {}", id, error.getMessage(), error.getCause());
        engine.observer.error(Stage.HISTORY, error);
      } else if (!ok) {
        log.debug("turn {}: history kept the whole answer (a later exchange, or a store that "
            + "cannot replace)", id);
      }
      engine.historySettled(request.sessionId(), amendment);
    });
  }

  private boolean stop(PlaybackPosition heard) {
    if (!beginEnding()) {
      return false;
    }
    callbacks.cancel();
    // Stop the network at once, from the caller's thread; the bookkeeping follows in order.
    try {
      LlmCall call = llmCall;
      if (call != null) {
        quietly(call::cancel);
      }
      if (speech != null) {
        speech.cancelCalls();
      }
      ToolRound round = toolRound;
      if (round != null) {
        round.cancel();
      }
      cancelTranscription();
    } finally {
      mailbox.execute(() -> onStopped(heard));
    }
    return true;
  }

  private void onStopped(PlaybackPosition heard) {
    stopTimers();
    cancelCalls();
    String said = text.toString();
    String kept = heard == null || speech == null || said.isEmpty() ? said : speech.heardText(said, heard);
    // An uncancellable tool still running is waited for, so history records what it did.
    settleTools().thenRun(() -> {
      TurnResult result = result(TurnOutcome.CANCELLED, said, "cancelled", TokenUsage.NONE, false);
      // Cancelled before the first token and any tool call: nothing to remember.
      CompletableFuture<Void> written = said.isEmpty() && rounds.isEmpty()
          ? done(historyWritten) : writeHistory(kept, true);
      written.whenComplete((v, e) -> mailbox.execute(() -> onCancelledEnd(said, result)));
    });
  }

  private void onCancelledEnd(String said, TurnResult result) {
    engine.ended(this);
    engine.observer.turnEnded(TurnOutcome.CANCELLED, result.metrics().total());
    callbacks.emitTerminal(() -> listener.onCancelled(new TurnCancelled(id, said)));
    callbacks.then(() -> completion.complete(result));
  }

  private void onDeadline() {
    deadline = null;
    long paused = speech == null ? 0 : speech.pausedNanos();
    if (paused > creditedPauseNanos) {
      // Speech waited for playback meanwhile (the lookahead): that time does not count.
      long credit = paused - creditedPauseNanos;
      creditedPauseNanos = paused;
      deadline = engine.clock.schedule(() -> mailbox.execute(this::onDeadline), Duration.ofNanos(credit));
      return;
    }
    fail(new TurnTimeoutException(engine.turnDeadline));
  }

  private void fail(OfficeHoursException error) {
    if (!(error instanceof TurnTimeoutException) && remainingNanos() <= 0) {
      // The provider's own timeout raced the turn's: a missed deadline is always a timeout.
      error = new TurnTimeoutException(engine.turnDeadline, error);
    }
    if (!beginEnding()) {
      return;
    }
    OfficeHoursException failure = error;
    stopTimers();
    cancelCalls();
    engine.observer.error(failure.stage(), failure);
    String said = text.toString();
    // Keep what the caller already saw and any tool calls made; a failure before either leaves
    // history untouched, so the same question can simply be asked again.
    settleTools().thenRun(() -> {
      CompletableFuture<Void> written =
          said.isEmpty() && rounds.isEmpty() ? done(historyWritten) : writeHistory(said, true);
      written.whenComplete((v, e) -> mailbox.execute(() -> {
        engine.ended(this);
        engine.observer.turnEnded(TurnOutcome.FAILED,
            Duration.ofNanos(engine.clock.nanoTime() - startNanos));
        callbacks.emitTerminal(() -> listener.onError(new TurnFailed(id, failure)));
        callbacks.then(() -> completion.completeExceptionally(failure));
      }));
    });
  }

  private static CompletableFuture<Void> done(CompletableFuture<Void> f) {
    f.complete(null);
    return f;
  }

  private void stopTimers() {
    cancelIdleCheck();
    if (deadline != null) {
      deadline.cancel();
      deadline = null;
    }
  }

  private void cancelCalls() {
    LlmCall call = llmCall;
    if (call != null) {
      quietly(call::cancel);
    }
    ToolRound round = toolRound;
    if (round != null) {
      round.cancel();
    }
    if (speech != null) {
      speech.stop();
    }
    cancelTranscription();
  }

  private void cancelTranscription() {
    CompletableFuture<Transcript> call = sttCall;
    if (call != null && !call.isDone()) {
      quietly(() -> call.cancel(true));
    }
  }

  /**
   * Appends the user's message and the answer (possibly interrupted) atomically; a turn that
   * called tools stores each round's calls, with what the model said before them, and their
   * results between the two. {@code answer} is the whole text or the heard part of it.
   */
  private CompletableFuture<Void> writeHistory(String answer, boolean interrupted) {
    Instant now = Instant.now();
    List<HistoryMessage> exchange = new ArrayList<>(2 + 3 * rounds.size());
    exchange.add(new HistoryMessage(ChatMessage.Role.USER, userText, false, now));
    if (rounds.isEmpty()) {
      if (!answer.isEmpty() || interrupted) {
        exchange.add(new HistoryMessage(ChatMessage.Role.ASSISTANT, answer, interrupted, now));
      }
    } else {
      boolean answered = false;
      for (int i = 0; i < callTextStart.size(); i++) {
        String said = segment(answer, i);
        if (i < rounds.size()) {
          ToolRound round = rounds.get(i);
          exchange.add(new HistoryMessage(ChatMessage.Role.ASSISTANT, said, false, now,
              round.requests(), ""));
          for (ToolRound.Call call : round.calls()) {
            String result = call.result != null ? call.result.result()
                : ToolRound.error("the call was cancelled: the turn ended");
            exchange.add(new HistoryMessage(ChatMessage.Role.TOOL, result, false, now, List.of(),
                call.id));
          }
        } else if (!said.isEmpty() || interrupted) {
          exchange.add(new HistoryMessage(ChatMessage.Role.ASSISTANT, said, interrupted, now));
          answered = true;
        }
      }
      if (interrupted && !answered) {
        // Cut off during a tool round: the model must know its answer was never heard.
        exchange.add(new HistoryMessage(ChatMessage.Role.ASSISTANT, "", true, now));
      }
    }
    CompletableFuture<Void> append;
    try {
      append = engine.bounded(engine.store.append(request.sessionId(), exchange));
    } catch (RuntimeException e) {
      append = CompletableFuture.failedFuture(e);
    }
    append.whenComplete((v, e) -> {
      if (e != null) {
        OfficeHoursException error = new OfficeHoursException(Stage.HISTORY,
            "could not append to history of session " + request.sessionId(), unwrap(e));
        log.warn("turn {}: {}", id, error.getMessage(), error.getCause());
        engine.observer.error(Stage.HISTORY, error);
      }
      historyWritten.complete(null);
    });
    return historyWritten;
  }

  /**
   * The text of LLM call {@code i} within {@code answer} (the whole text, or the heard part of it,
   * which lost the text's leading whitespace), stripped.
   */
  private String segment(String answer, int i) {
    String all = text.toString();
    int shift = all.startsWith(answer) ? 0 : all.length() - all.stripLeading().length();
    int from = Math.max(0, callTextStart.get(i) - shift);
    int to = i + 1 < callTextStart.size() ? Math.max(0, callTextStart.get(i + 1) - shift) : answer.length();
    return answer.substring(Math.min(from, answer.length()), Math.min(to, answer.length())).strip();
  }

  private TurnResult result(TurnOutcome outcome, String answer, String finishReason, TokenUsage usage,
      boolean answerFromCache) {
    long total = engine.clock.nanoTime() - startNanos;
    int llmRounds = Math.max(1, llmCalls);
    TurnMetrics metrics = speech == null
        ? new TurnMetrics(firstTokenNanos, firstAudioNanos, total, 0, 0, 0, 0,
            toolResults.size(), toolNanos, llmRounds, firstAnswerTokenNanos, sttNanos)
        : new TurnMetrics(firstTokenNanos, firstAudioNanos, total, speech.chunkCount(),
            speech.audioBytes(), speech.cacheHits(), speech.retries(), toolResults.size(),
            toolNanos, llmRounds, firstAnswerTokenNanos, sttNanos);
    return new TurnResult(id, request.sessionId(), outcome, answer, finishReason, usage,
        answerFromCache, speech == null ? List.of() : speech.failures(), metrics, toolResults,
        llmProvider, speech == null ? List.of() : speech.providers());
  }

  /** The time left to the turn's deadline, not counting time spent waiting for playback. */
  long remainingNanos() {
    long paused = speech == null ? 0 : speech.pausedNanos();
    return Math.max(0, engine.turnDeadline.toNanos() + paused - (engine.clock.nanoTime() - startNanos));
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Runs a provider's cancel or commit: what it throws is logged, and the turn goes on. */
  static void quietly(Runnable providerCall) {
    try {
      providerCall.run();
    } catch (Throwable t) {
      log.warn("a provider's cancel or commit threw; ignored", t);
    }
  }

  static OfficeHoursException asOfficeHours(Stage stage, Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof OfficeHoursException) {
      return (OfficeHoursException) cause;
    }
    return new OfficeHoursException(stage, stage + " provider failed: " + cause, cause);
  }
}
