package dev.officehours;

import dev.officehours.history.HistoryMessage;
import dev.officehours.internal.SerialExecutor;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ContentPart;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.TokenUsage;
import dev.officehours.text.SpeakableText;
import dev.officehours.text.SpeechChunker;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.metrics.TurnOutcome;

/**
 * One turn in flight. All of its state is confined to its {@link SerialExecutor} mailbox: network
 * callbacks only enqueue, so the turn needs no lock and its listener callbacks never overlap.
 * The only state touched from other threads is the {@link #ending} flag and the set of calls to
 * cancel, so that {@link #cancel()} stops the network at once.
 */
final class PipelineTurn implements Turn {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);

  private final PipelineEngine engine;
  private final String id;
  private final TurnRequest request;
  private final TurnListener listener;
  private final SerialExecutor mailbox;
  private final long startNanos = System.nanoTime();
  private final CompletableFuture<TurnResult> completion = new CompletableFuture<>();
  private final CompletableFuture<Void> historyWritten = new CompletableFuture<>();

  /** Set once by whoever ends the turn first (complete, fail, cancel); later events are dropped. */
  private final AtomicBoolean ending = new AtomicBoolean();
  private volatile LlmCall llmCall;
  private final Set<TtsCall> ttsCalls = ConcurrentHashMap.newKeySet();

  // --- confined to the mailbox ---
  private final SpeechChunker chunker;
  private final Consumer<String> chunkSink = this::onChunk;
  private final StringBuilder text = new StringBuilder();
  private final List<Chunk> chunks = new ArrayList<>();
  private final List<SpeechFailure> speechFailures = new ArrayList<>();
  private int nextToDeliver;
  private int nextToStart;
  private int inFlight;
  private boolean llmDone;
  private LlmCompletion llmCompletion;
  private long firstTokenNanos = -1;
  private long firstAudioNanos = -1;
  private long lastTokenNanos;
  private long audioBytes;
  private int ttsCacheHits;
  private int ttsRetries;
  private ScheduledFuture<?> idleCheck;
  private ScheduledFuture<?> deadline;

  PipelineTurn(PipelineEngine engine, String id, TurnRequest request, TurnListener listener) {
    this.engine = engine;
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.mailbox = new SerialExecutor(engine.pool,
        (t, e) -> log.error("turn {}: unexpected error in pipeline task", id, e));
    this.chunker = new SpeechChunker(engine.chunker);
    // Before the turn is published to other threads, so a cancel always finds the deadline.
    engine.observer.turnStarted(request.sessionId(), id);
    this.deadline = engine.timer.schedule(
        () -> mailbox.execute(this::onDeadline), engine.turnDeadline.toNanos(), TimeUnit.NANOSECONDS);
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
    return completion;
  }

  /** Completes once this turn has written (or decided not to write) its history. */
  CompletableFuture<Void> historyWritten() {
    return historyWritten;
  }

  @Override
  public String toString() {
    return "Turn[" + id + ", session=" + request.sessionId() + "]";
  }

  // ------------------------------------------------------------------ start

  void begin(CompletableFuture<?> after) {
    after.handle((ignored, error) -> engine.store.load(request.sessionId()))
        .thenCompose(f -> f)
        .whenComplete((history, error) -> mailbox.execute(() -> startLlm(history, error)));
  }

  private void startLlm(List<HistoryMessage> history, Throwable error) {
    if (ending.get()) {
      return;
    }
    if (error != null) {
      // History is context, not the answer: go on without it rather than fail the turn.
      OfficeHoursException e = new OfficeHoursException(OfficeHoursException.Stage.HISTORY,
          "could not load history of session " + request.sessionId(), unwrap(error));
      log.warn("turn {}: {}; answering without history", id, e.getMessage(), e.getCause());
      engine.observer.error(OfficeHoursException.Stage.HISTORY, e);
      history = List.of();
    }
    List<ChatMessage> messages = new ArrayList<>(history.size() + 2);
    if (!engine.systemPrompt.isBlank()) {
      messages.add(ChatMessage.system(engine.systemPrompt));
    }
    boolean sawUser = false;
    for (HistoryMessage m : history) {
      // A store that trims its oldest messages may cut a pair in two: an answer without its
      // question must not open the conversation (some servers reject it).
      sawUser |= m.role() == ChatMessage.Role.USER;
      if (sawUser) {
        messages.add(m.toChatMessage());
      }
    }
    messages.add(userMessage());
    ChatRequest.Builder chat = ChatRequest.builder(messages)
        .maxTokens(request.maxTokens().orElse(
            request.image().isPresent() ? engine.visionMaxTokens : engine.maxTokens))
        .deadline(Instant.now().plusNanos(remainingNanos()));
    request.temperature().ifPresent(chat::temperature);
    try {
      LlmCall call = engine.llm.stream(chat.build(), new LlmEvents());
      llmCall = call;
      if (ending.get()) {
        call.cancel();
      }
    } catch (RuntimeException e) {
      fail(asOfficeHours(OfficeHoursException.Stage.LLM, e));
    }
  }

  private ChatMessage userMessage() {
    if (request.image().isEmpty()) {
      return ChatMessage.user(request.text());
    }
    byte[] image = request.image().get();
    return new ChatMessage(ChatMessage.Role.USER, List.of(
        new ContentPart.Text(request.text()),
        new ContentPart.Image(image, dev.officehours.internal.Images.sniffMimeType(image).orElseThrow(), request.imageDetail())));
  }

  // ------------------------------------------------------------------ LLM events

  /** Network callbacks of the LLM call: each hops onto the mailbox. */
  private final class LlmEvents implements LlmListener {
    @Override
    public void onToken(String delta) {
      if (!ending.get()) {
        mailbox.execute(() -> PipelineTurn.this.onToken(delta));
      }
    }

    @Override
    public void onComplete(LlmCompletion c) {
      mailbox.execute(() -> onLlmComplete(c));
    }

    @Override
    public void onError(OfficeHoursException error) {
      mailbox.execute(() -> fail(error));
    }
  }

  private void onToken(String delta) {
    if (ending.get() || llmDone || delta.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    if (firstTokenNanos < 0) {
      firstTokenNanos = now - startNanos;
      engine.observer.llmFirstToken(Duration.ofNanos(firstTokenNanos));
    }
    lastTokenNanos = now;
    text.append(delta);
    emit(() -> listener.onText(new TextDelta(id, delta)));
    if (engine.tts != null) {
      chunker.append(delta, chunkSink);
      if (idleCheck == null && chunker.hasBufferedText()) {
        scheduleIdleCheck(engine.chunker.idleFlush().toNanos());
      }
    }
  }

  private void onLlmComplete(LlmCompletion c) {
    if (ending.get() || llmDone) {
      return;
    }
    llmDone = true;
    llmCompletion = c;
    engine.observer.llmCompleted(Duration.ofNanos(System.nanoTime() - startNanos), c.fromCache());
    cancelIdleCheck();
    if (engine.tts != null) {
      chunker.flush(chunkSink);
    }
    maybeFinish();
  }

  // ------------------------------------------------------------------ idle flush

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = engine.timer.schedule(
        () -> mailbox.execute(this::onIdleCheck), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void onIdleCheck() {
    idleCheck = null;
    if (ending.get() || llmDone || !chunker.hasBufferedText()) {
      return;
    }
    long idleFor = System.nanoTime() - lastTokenNanos;
    long limit = engine.chunker.idleFlush().toNanos();
    if (idleFor >= limit) {
      // flushIdle keeps an open code fence whole: speaking half a block would misread the rest.
      chunker.flushIdle(chunkSink);
    } else {
      scheduleIdleCheck(limit - idleFor);
    }
  }

  private void cancelIdleCheck() {
    if (idleCheck != null) {
      idleCheck.cancel(false);
      idleCheck = null;
    }
  }

  // ------------------------------------------------------------------ speech

  /** A speech chunk and the audio it has received but not yet delivered. */
  private static final class Chunk {
    final int index;
    final String speakable;
    final ArrayDeque<byte[]> buffered = new ArrayDeque<>(4);
    AudioFormat format;
    TtsCall call;
    int attempt;
    int framesDelivered;
    long startedNanos;
    long bytes;
    boolean fromCache;
    boolean ended;

    Chunk(int index, String speakable) {
      this.index = index;
      this.speakable = speakable;
    }
  }

  private void onChunk(String raw) {
    String speakable = SpeakableText.clean(raw);
    if (speakable.isEmpty()) {
      return;
    }
    chunks.add(new Chunk(chunks.size(), speakable));
    startSyntheses();
  }

  private void startSyntheses() {
    while (inFlight < engine.ttsConcurrency && nextToStart < chunks.size() && !ending.get()) {
      inFlight++;
      synthesize(chunks.get(nextToStart++));
    }
  }

  private void synthesize(Chunk chunk) {
    int attempt = ++chunk.attempt;
    chunk.startedNanos = System.nanoTime();
    chunk.bytes = 0;
    chunk.fromCache = false;
    chunk.buffered.clear();
    try {
      SpeechRequest speech = engine.tts.request(chunk.speakable);
      if (request.voice().isPresent()) {
        speech = speech.withVoice(request.voice().get());
      }
      chunk.format = speech.format();
      TtsCall call = engine.tts.synthesize(speech, new SpeechEvents(chunk, attempt));
      chunk.call = call;
      ttsCalls.add(call);
      if (ending.get()) {
        call.cancel();
      }
    } catch (RuntimeException e) {
      onSpeechError(chunk, attempt, asOfficeHours(OfficeHoursException.Stage.TTS, e));
    }
  }

  /** Network callbacks of one TTS call: each hops onto the mailbox. */
  private final class SpeechEvents implements AudioSink {
    private final Chunk chunk;
    private final int attempt;

    SpeechEvents(Chunk chunk, int attempt) {
      this.chunk = chunk;
      this.attempt = attempt;
    }

    @Override
    public void onCacheHit() {
      mailbox.execute(() -> {
        if (chunk.attempt == attempt) {
          chunk.fromCache = true;
        }
      });
    }

    @Override
    public void onAudio(byte[] audio) {
      if (!ending.get()) {
        mailbox.execute(() -> onSpeechAudio(chunk, attempt, audio));
      }
    }

    @Override
    public void onComplete() {
      mailbox.execute(() -> onSpeechComplete(chunk, attempt));
    }

    @Override
    public void onError(OfficeHoursException error) {
      mailbox.execute(() -> onSpeechError(chunk, attempt, error));
    }
  }

  private void onSpeechAudio(Chunk chunk, int attempt, byte[] audio) {
    if (ending.get() || chunk.attempt != attempt || chunk.ended || audio.length == 0) {
      return;
    }
    if (chunk.bytes == 0) {
      engine.observer.ttsFirstByte(Duration.ofNanos(System.nanoTime() - chunk.startedNanos));
    }
    chunk.bytes += audio.length;
    if (chunk.index == nextToDeliver) {
      deliver(chunk, audio);
    } else {
      chunk.buffered.add(audio);
    }
  }

  private void onSpeechComplete(Chunk chunk, int attempt) {
    if (ending.get() || chunk.attempt != attempt || chunk.ended) {
      return;
    }
    ttsCalls.remove(chunk.call);
    engine.observer.ttsCompleted(
        Duration.ofNanos(System.nanoTime() - chunk.startedNanos), chunk.bytes, chunk.fromCache);
    if (chunk.fromCache) {
      ttsCacheHits++;
    }
    endChunk(chunk);
  }

  private void onSpeechError(Chunk chunk, int attempt, OfficeHoursException error) {
    if (ending.get() || chunk.attempt != attempt || chunk.ended) {
      return;
    }
    ttsCalls.remove(chunk.call);
    engine.observer.error(OfficeHoursException.Stage.TTS, error);
    // A retry would repeat audio the caller has already heard; only retry a chunk not yet heard.
    if (chunk.attempt < 2 && chunk.framesDelivered == 0) {
      ttsRetries++;
      log.debug("turn {}: speech of chunk {} failed ({}); retrying once", id, chunk.index, error.getMessage());
      synthesize(chunk);
      return;
    }
    log.warn("turn {}: speech of chunk {} failed; going on without it: {}", id, chunk.index, error.getMessage());
    speechFailures.add(new SpeechFailure(chunk.index, chunk.speakable, error));
    chunk.buffered.clear();
    endChunk(chunk);
  }

  private void endChunk(Chunk chunk) {
    chunk.ended = true;
    chunk.call = null;
    inFlight--;
    advance();
    startSyntheses();
    maybeFinish();
  }

  /** Delivers, in chunk order, everything that can be delivered now. */
  private void advance() {
    while (nextToDeliver < chunks.size()) {
      Chunk current = chunks.get(nextToDeliver);
      byte[] audio;
      while ((audio = current.buffered.poll()) != null) {
        deliver(current, audio);
      }
      if (!current.ended) {
        return;
      }
      nextToDeliver++;
    }
  }

  private void deliver(Chunk chunk, byte[] audio) {
    if (ending.get()) {
      return; // cancelled while a batch of buffered frames was being delivered
    }
    if (firstAudioNanos < 0) {
      firstAudioNanos = System.nanoTime() - startNanos;
      engine.observer.turnFirstAudio(Duration.ofNanos(firstAudioNanos));
    }
    audioBytes += audio.length;
    AudioFrame frame = new AudioFrame(
        id, chunk.index, chunk.framesDelivered++, chunk.speakable, chunk.format, audio, chunk.fromCache);
    emit(() -> listener.onAudio(frame));
  }

  // ------------------------------------------------------------------ ending

  private void maybeFinish() {
    if (!llmDone || nextToDeliver < chunks.size() || ending.get()) {
      return;
    }
    if (!ending.compareAndSet(false, true)) {
      return;
    }
    stopTimers();
    LlmCall call = llmCall;
    if (call != null) {
      call.commit();
    }
    String answer = text.toString();
    TurnResult result = result(TurnOutcome.COMPLETED, answer, llmCompletion.finishReason(),
        llmCompletion.usage(), llmCompletion.fromCache());
    writeHistory(answer, false).whenComplete((v, e) -> mailbox.execute(() -> {
      engine.ended(this);
      emit(() -> listener.onComplete(result));
      engine.observer.turnEnded(TurnOutcome.COMPLETED, result.metrics().total());
      completion.complete(result);
    }));
  }

  @Override
  public boolean cancel() {
    if (!ending.compareAndSet(false, true)) {
      return false;
    }
    // Stop the network at once, from the caller's thread; the bookkeeping follows in order.
    LlmCall call = llmCall;
    if (call != null) {
      call.cancel();
    }
    for (TtsCall tts : ttsCalls) {
      tts.cancel();
    }
    mailbox.execute(this::onCancelled);
    return true;
  }

  private void onCancelled() {
    stopTimers();
    cancelCalls();
    String said = text.toString();
    TurnResult result = result(TurnOutcome.CANCELLED, said, "cancelled", TokenUsage.NONE, false);
    writeHistory(said, true).whenComplete((v, e) -> mailbox.execute(() -> {
      engine.ended(this);
      emit(() -> listener.onCancelled(new TurnCancelled(id, said)));
      engine.observer.turnEnded(TurnOutcome.CANCELLED, result.metrics().total());
      completion.complete(result);
    }));
  }

  private void onDeadline() {
    deadline = null;
    fail(new TurnTimeoutException(engine.turnDeadline));
  }

  private void fail(OfficeHoursException error) {
    if (!ending.compareAndSet(false, true)) {
      return;
    }
    stopTimers();
    cancelCalls();
    engine.observer.error(error.stage(), error);
    String said = text.toString();
    // Keep what the caller already saw; a failure before any text leaves history untouched,
    // so the same question can simply be asked again.
    CompletableFuture<Void> written =
        said.isEmpty() ? done(historyWritten) : writeHistory(said, true);
    written.whenComplete((v, e) -> mailbox.execute(() -> {
      engine.ended(this);
      emit(() -> listener.onError(new TurnFailed(id, error)));
      engine.observer.turnEnded(TurnOutcome.FAILED, Duration.ofNanos(System.nanoTime() - startNanos));
      completion.completeExceptionally(error);
    }));
  }

  private static CompletableFuture<Void> done(CompletableFuture<Void> f) {
    f.complete(null);
    return f;
  }

  private void stopTimers() {
    cancelIdleCheck();
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  private void cancelCalls() {
    LlmCall call = llmCall;
    if (call != null) {
      call.cancel();
    }
    for (TtsCall tts : ttsCalls) {
      tts.cancel();
    }
    ttsCalls.clear();
  }

  /** Appends the user's message and the answer (possibly interrupted) as one atomic pair. */
  private CompletableFuture<Void> writeHistory(String answer, boolean interrupted) {
    Instant now = Instant.now();
    List<HistoryMessage> pair = answer.isEmpty()
        ? List.of(new HistoryMessage(ChatMessage.Role.USER, request.text(), false, now))
        : List.of(new HistoryMessage(ChatMessage.Role.USER, request.text(), false, now),
            new HistoryMessage(ChatMessage.Role.ASSISTANT, answer, interrupted, now));
    CompletableFuture<Void> append;
    try {
      append = engine.store.append(request.sessionId(), pair);
    } catch (RuntimeException e) {
      append = CompletableFuture.failedFuture(e);
    }
    append.whenComplete((v, e) -> {
      if (e != null) {
        OfficeHoursException error = new OfficeHoursException(OfficeHoursException.Stage.HISTORY,
            "could not append to history of session " + request.sessionId(), unwrap(e));
        log.warn("turn {}: {}", id, error.getMessage(), error.getCause());
        engine.observer.error(OfficeHoursException.Stage.HISTORY, error);
      }
      historyWritten.complete(null);
    });
    return historyWritten;
  }

  private TurnResult result(TurnOutcome outcome, String answer, String finishReason, TokenUsage usage,
      boolean answerFromCache) {
    TurnMetrics metrics = new TurnMetrics(firstTokenNanos, firstAudioNanos,
        System.nanoTime() - startNanos, chunks.size(), audioBytes, ttsCacheHits, ttsRetries);
    return new TurnResult(id, request.sessionId(), outcome, answer, finishReason, usage,
        answerFromCache, speechFailures, metrics);
  }

  private long remainingNanos() {
    return Math.max(0, engine.turnDeadline.toNanos() - (System.nanoTime() - startNanos));
  }

  /** Calls the listener; what it throws is logged and does not stop the turn. */
  private void emit(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      log.warn("turn {}: TurnListener threw; ignored", id, e);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static OfficeHoursException asOfficeHours(OfficeHoursException.Stage stage, Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof OfficeHoursException) {
      return (OfficeHoursException) cause;
    }
    return new OfficeHoursException(stage, stage + " provider failed: " + cause, cause);
  }
}
