package dev.officehours;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.PipelineClosedException;
import dev.officehours.history.ConversationStore;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.internal.AudioContainers;
import dev.officehours.internal.ElasticExecutor;
import dev.officehours.llm.LlmProvider;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.tts.TtsProvider;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link ConversationPipeline} shares between its turns: providers (wrapped by the caches),
 * the store, the observer, the settings, the pool that runs every turn's mailbox (whose tasks never
 * block), the executor of listener callbacks (which may) and the clock.
 */
final class PipelineEngine {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);
  private static final AtomicInteger POOL_IDS = new AtomicInteger();
  /** How long close() waits for cancelled turns to tell their listeners. */
  private static final long CANCELLED_TURNS_WAIT_MILLIS = 5_000;

  final LlmProvider llm;
  final TtsProvider tts;
  final ConversationStore store;
  final PipelineObserver observer;
  final String systemPrompt;
  final int maxTokens;
  final int visionMaxTokens;
  final int maxTextChars;
  final int maxImageBytes;
  final int ttsConcurrency;
  final Duration turnDeadline;
  final boolean cancelPreviousTurn;
  final ChunkerSettings chunker;
  final int answerCharsPerToken;
  final long turnBufferBytes;
  final Duration speechAudioPerChar;
  final Duration speechAudioBase;
  final Duration speechFirstByteTimeout;
  final Duration speechTotalTimeout;
  /** Recent syntheses' time to first audio, which may raise the first-audio limit under load. */
  final FirstAudioEstimate firstAudio = new FirstAudioEstimate();
  final Duration speechLookahead;
  final PipelineClock clock;
  final ForkJoinPool pool;
  final Executor callbackExecutor;
  final java.util.Map<String, dev.officehours.tools.Tool> tools;
  final int maxToolRounds;
  final int maxRequestExtrasChars;
  final int maxToolCallsPerRound;
  final Duration toolTimeout;
  final int maxToolResultChars;
  final Duration toolFillerAfter;
  final List<String> toolFillers;
  final Executor toolExecutor;
  final dev.officehours.stt.SttProvider stt;
  final int maxAudioBytes;

  private final SystemClock ownClock;
  private final ExecutorService ownCallbackExecutor;
  private final ExecutorService ownToolExecutor;
  private final Set<PipelineTurn> turns = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, PipelineTurn> activeBySession = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<Void>> historyPending =
      new ConcurrentHashMap<>();
  /**
   * The id of each recent session's newest turn that has ended, for as long as no later turn is
   * in flight: only that turn may still trim its stored answer. Written when a turn ends, not
   * when it starts, so that a turn's start path (up to its LLM request) writes no cache. Its
   * upkeep runs on the calling thread (a read may run it too), so it wakes no other thread; in
   * {@link #ended} that thread holds the lock of the session's bin of {@link #activeBySession}
   * meanwhile, which after a long quiet spell may include sweeping every expired entry.
   */
  private final com.github.benmanes.caffeine.cache.Cache<String, String> latestEnded =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(30))
          .executor(Runnable::run).build();
  final Duration historyTimeout;
  private volatile boolean closed;

  PipelineEngine(ConversationPipeline.Builder b) {
    this.observer = new SafeObserver(PipelineObserver.composite(b.observers));
    this.llm = b.answerCache == null ? b.llm : b.answerCache.wrap(b.llm, observer);
    this.tts = b.tts == null || b.ttsCache == null ? b.tts
        // a chain reads through the cache per provider: cached audio keeps its maker's id and voice
        : b.tts instanceof dev.officehours.fallback.FallbackTts chain ? chain.cachedBy(b.ttsCache, observer)
        : b.ttsCache.wrap(b.tts, observer);
    this.store = b.store != null ? b.store : InMemoryConversationStore.create();
    this.systemPrompt = b.systemPrompt;
    this.maxTokens = b.maxTokens;
    this.visionMaxTokens = b.visionMaxTokens;
    this.maxTextChars = b.maxTextChars;
    this.maxImageBytes = b.maxImageBytes;
    this.ttsConcurrency = b.ttsConcurrency;
    this.turnDeadline = b.turnDeadline;
    this.cancelPreviousTurn = b.cancelPreviousTurn;
    this.chunker = b.chunker;
    this.answerCharsPerToken = b.answerCharsPerToken;
    this.turnBufferBytes = b.turnBufferBytes;
    this.speechAudioPerChar = b.speechAudioPerChar;
    this.speechAudioBase = b.speechAudioBase;
    this.speechFirstByteTimeout = b.speechFirstByteTimeout;
    this.speechTotalTimeout = b.speechTotalTimeout;
    this.speechLookahead = b.speechLookahead;
    this.historyTimeout = b.historyTimeout;
    this.tools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.tools));
    this.maxToolRounds = b.maxToolRounds;
    this.maxRequestExtrasChars = b.maxRequestExtrasChars;
    this.maxToolCallsPerRound = b.maxToolCallsPerRound;
    this.toolTimeout = b.toolTimeout;
    this.maxToolResultChars = b.maxToolResultChars;
    this.toolFillerAfter = b.toolFillerAfter;
    this.toolFillers = b.toolFillers;
    this.stt = b.stt;
    this.maxAudioBytes = b.maxAudioBytes;

    int poolId = POOL_IDS.incrementAndGet();
    if (b.clock == SystemClock.MARKER) {
      this.ownClock = new SystemClock("officehours-timer-" + poolId);
      this.clock = ownClock;
    } else {
      this.ownClock = null;
      this.clock = b.clock;
    }
    AtomicInteger threadIds = new AtomicInteger();
    this.pool = new ForkJoinPool(
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        p -> {
          ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
          t.setName("officehours-turns-" + poolId + "-" + threadIds.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        (t, e) -> log.error("uncaught exception in pipeline thread {}", t.getName(), e),
        true);
    if (b.callbackExecutor != null) {
      this.ownCallbackExecutor = null;
      this.callbackExecutor = b.callbackExecutor;
    } else {
      this.ownCallbackExecutor = defaultExecutor("officehours-callbacks-" + poolId + "-");
      this.callbackExecutor = ownCallbackExecutor;
    }
    if (b.toolExecutor != null) {
      this.ownToolExecutor = null;
      this.toolExecutor = b.toolExecutor;
    } else {
      this.ownToolExecutor = defaultExecutor("officehours-tools-" + poolId + "-");
      this.toolExecutor = ownToolExecutor;
    }
  }

  /**
   * Virtual threads on Java 21+ (a blocked listener costs a few hundred bytes); on Java 17 a
   * bounded elastic pool: threads come and go with demand, up to a cap that keeps a flood of
   * blocking listeners from exhausting the machine (beyond it, callbacks queue).
   */
  private static ExecutorService defaultExecutor(String threadNamePrefix) {
    try {
      Method m = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      return (ExecutorService) m.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      int max = Math.max(64, 16 * Runtime.getRuntime().availableProcessors());
      AtomicInteger ids = new AtomicInteger();
      ExecutorService elastic = new ElasticExecutor(max, 30, TimeUnit.SECONDS, r -> {
        Thread t = new Thread(r, threadNamePrefix + ids.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      return elastic;
    }
  }

  private final AtomicInteger fillersSpoken = new AtomicInteger();

  /** The next filler phrase: they take turns across the pipeline, so callers hear variety. */
  String nextToolFiller() {
    return toolFillers.get(Math.floorMod(fillersSpoken.getAndIncrement(), toolFillers.size()));
  }

  /** Whether listener callbacks run on the pipeline's own executor (none was given). */
  boolean ownsCallbackExecutor() {
    return ownCallbackExecutor != null;
  }

  /** Whether the current thread is one of this engine's mailbox threads (which must not block). */
  boolean isEngineThread() {
    Thread t = Thread.currentThread();
    return t instanceof ForkJoinWorkerThread && ((ForkJoinWorkerThread) t).getPool() == pool;
  }

  Turn start(TurnRequest request, TurnListener listener) {
    validate(request);
    Objects.requireNonNull(listener, "listener");
    PipelineTurn turn = new PipelineTurn(this, newTurnId(), request, listener);
    // Registered before the check: close() either sees this turn or start() sees close().
    turns.add(turn);
    if (closed) {
      turns.remove(turn);
      throw new PipelineClosedException();
    }
    observer.turnStarted(request.sessionId(), turn.id());
    PipelineTurn previous = activeBySession.put(request.sessionId(), turn);
    CompletableFuture<?> after = CompletableFuture.completedFuture(null);
    if (previous != null && cancelPreviousTurn) {
      previous.cancel();
      // Whether cancelled now or already ending, the previous turn is writing its exchange to
      // history: read history after that, or this turn would answer without it.
      after = previous.historyWritten();
    }
    CompletableFuture<Void> amending = historyPending.get(request.sessionId());
    if (amending != null) {
      after = CompletableFuture.allOf(after, amending); // an interrupt is trimming the last answer
    }
    turn.begin(after);
    return turn;
  }

  void validate(TurnRequest request) {
    Objects.requireNonNull(request, "request");
    if (request.text().length() > maxTextChars) {
      throw new InvalidRequestException("text",
          "text is " + request.text().length() + " characters, over the limit of " + maxTextChars);
    }
    int extras = request.extrasChars();
    if (extras > maxRequestExtrasChars) {
      throw new InvalidRequestException("extras", "the turn's extra fields, headers, system prompt "
          + "addition and speech instructions hold " + extras + " characters, over the limit of "
          + maxRequestExtrasChars + " (setting: maxRequestExtrasChars)");
    }
    Optional<byte[]> image = request.image();
    if (image.isPresent()) {
      byte[] bytes = image.get();
      if (bytes.length > maxImageBytes) {
        throw new InvalidRequestException("image",
            "image is " + bytes.length + " bytes, over the limit of " + maxImageBytes);
      }
      if (dev.officehours.internal.Images.sniffMimeType(bytes).isEmpty()) {
        throw new InvalidRequestException("image",
            "image is not a JPEG, PNG, GIF, WebP or BMP image (" + bytes.length + " bytes)");
      }
    }
    request.speech().ifPresent(this::validate);
  }

  private void validate(SpeechInput speech) {
    if (stt == null) {
      throw new IllegalStateException("a turn started from audio needs a speech-to-text provider: "
          + "call stt(...) on ConversationPipeline.builder()");
    }
    byte[] audio = speech.audio();
    if (audio.length > maxAudioBytes) {
      throw new InvalidRequestException("audio", "audio is " + audio.length
          + " bytes, over the limit of " + maxAudioBytes + " (maxAudioBytes)");
    }
    AudioContainers.Container container = AudioContainers.sniff(audio).orElseThrow(() ->
        new InvalidRequestException("audio", "audio is not " + AudioContainers.KNOWN + " audio ("
            + audio.length + " bytes, declared " + speech.mimeType() + ")"));
    if (!container.isNamedBy(speech.mimeType())) {
      throw new InvalidRequestException("mimeType", "audio is declared " + speech.mimeType()
          + " but its bytes are " + container.label());
    }
  }

  /**
   * Whether {@code turn} is the newest turn started in its session: the session's turn in flight,
   * or, with none in flight, the last that ended. {@link #ended} records the one before removing
   * it, atomically, so a turn is found in one place or the other until its record expires (30
   * minutes unused) or is evicted (over 100,000 sessions).
   */
  boolean isLatestTurn(PipelineTurn turn) {
    PipelineTurn active = activeBySession.get(turn.sessionId());
    if (active != null) {
      return active == turn;
    }
    return turn.id().equals(latestEnded.getIfPresent(turn.sessionId()));
  }

  /**
   * A store's future, failed after {@link #historyTimeout} if the store has not answered: a turn
   * must end, and the session's next turn must start, whatever the store does.
   */
  <T> CompletableFuture<T> bounded(CompletableFuture<T> storeFuture) {
    return storeFuture.copy().orTimeout(historyTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** A change to the session's history is under way: the session's next turn reads after it. */
  void historyPending(String sessionId, CompletableFuture<Void> change) {
    historyPending.put(sessionId, change);
  }

  /** The change is done. */
  void historySettled(String sessionId, CompletableFuture<Void> change) {
    historyPending.remove(sessionId, change);
    change.complete(null);
  }

  /** Called by a turn once it has ended and written its history. */
  void ended(PipelineTurn turn) {
    // Only the session's newest turn is recorded: an older one that ends later (a session whose
    // turns may overlap) must not pass for the newest.
    activeBySession.computeIfPresent(turn.sessionId(), (session, active) -> {
      if (active != turn) {
        return active;
      }
      latestEnded.put(session, turn.id());
      return null;
    });
    turns.remove(turn);
  }

  Optional<Turn> activeTurn(String sessionId) {
    return Optional.ofNullable(activeBySession.get(sessionId));
  }

  int activeTurnCount() {
    return turns.size();
  }

  ConversationStore store() {
    return store;
  }

  /**
   * Stops accepting turns, lets those in flight finish for up to {@code grace}, cancels the rest,
   * waits for their listeners to hear of it, then stops the pipeline's own threads.
   *
   * @return whether every turn finished on its own within {@code grace}
   */
  boolean close(Duration grace) {
    closed = true;
    // Called from a listener callback or the turn pool, waiting would wait for itself.
    boolean mayWait = !TurnCallbacks.inCallback() && !isEngineThread();
    boolean finished = mayWait && awaitTurns(new ArrayList<>(turns), grace.toMillis());
    List<PipelineTurn> remaining = new ArrayList<>(turns);
    remaining.forEach(PipelineTurn::cancel);
    if (!mayWait) {
      shutDownThreads();
      return remaining.isEmpty();
    }
    if (!awaitTurns(remaining, CANCELLED_TURNS_WAIT_MILLIS)) {
      log.warn("closing the pipeline: {} cancelled turns did not end within {} ms (a listener "
          + "that blocks?)", remaining.size(), CANCELLED_TURNS_WAIT_MILLIS);
    }
    shutDownThreads();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
      if (ownClock != null) {
        ownClock.awaitTermination(5_000);
      }
      if (ownCallbackExecutor != null
          && !ownCallbackExecutor.awaitTermination(1, TimeUnit.SECONDS)) {
        // A listener still blocked: interrupt it; run what was still queued (other turns'
        // callbacks) here, so their queues finish and their completions settle.
        ownCallbackExecutor.shutdownNow().forEach(Runnable::run);
        ownCallbackExecutor.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return finished && remaining.isEmpty();
  }

  private void shutDownThreads() {
    if (ownClock != null) {
      ownClock.close();
    }
    pool.shutdown();
    if (ownCallbackExecutor != null) {
      ownCallbackExecutor.shutdown();
    }
    if (ownToolExecutor != null) {
      ownToolExecutor.shutdown();
    }
  }

  private static boolean awaitTurns(List<PipelineTurn> list, long millis) {
    if (list.isEmpty()) {
      return true;
    }
    CompletableFuture<?>[] outcomes = list.stream()
        .map(t -> t.outcome().handle((r, e) -> null))
        .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(outcomes).get(Math.max(0, millis), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      return false;
    }
  }

  private static String newTurnId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return "t-" + Long.toHexString(r.nextLong() | Long.MIN_VALUE).substring(0, 12);
  }
}
