package dev.officehours;

import dev.officehours.history.ConversationStore;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.LlmProvider;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.officehours.errors.InvalidRequestException;

/**
 * What a {@link ConversationPipeline} shares between its turns: providers (wrapped by the caches),
 * the store, the observer, the pool that runs every turn's serial mailbox and the timer.
 */
final class PipelineEngine {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);
  private static final AtomicInteger POOL_IDS = new AtomicInteger();

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
  final ForkJoinPool pool;
  final ScheduledThreadPoolExecutor timer;

  private final ConcurrentHashMap<String, PipelineTurn> activeBySession = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();
  private volatile boolean closed;

  PipelineEngine(ConversationPipeline.Builder b) {
    this.observer = new SafeObserver(PipelineObserver.composite(b.observers));
    this.llm = b.answerCache == null ? b.llm : b.answerCache.wrap(b.llm, observer);
    this.tts = b.tts == null || b.ttsCache == null ? b.tts : b.ttsCache.wrap(b.tts, observer);
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

    int poolId = POOL_IDS.incrementAndGet();
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
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "officehours-timer-" + poolId);
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
  }

  Turn start(TurnRequest request, TurnListener listener) {
    if (closed) {
      throw new IllegalStateException("the pipeline is closed");
    }
    validate(request);
    java.util.Objects.requireNonNull(listener, "listener");
    PipelineTurn turn = new PipelineTurn(this, newTurnId(), request, listener);
    PipelineTurn previous = activeBySession.put(request.sessionId(), turn);
    active.incrementAndGet();
    CompletableFuture<?> after = CompletableFuture.completedFuture(null);
    if (previous != null && cancelPreviousTurn) {
      previous.cancel();
      // Whether cancelled now or already ending, the previous turn is writing its exchange to
      // history: read history after that, or this turn would answer without it.
      after = previous.historyWritten();
    }
    turn.begin(after);
    return turn;
  }

  void validate(TurnRequest request) {
    java.util.Objects.requireNonNull(request, "request");
    if (request.text().length() > maxTextChars) {
      throw new InvalidRequestException("text",
          "text is " + request.text().length() + " characters, over the limit of " + maxTextChars);
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
  }

  /** Called by a turn once it has ended and written its history. */
  void ended(PipelineTurn turn) {
    activeBySession.remove(turn.sessionId(), turn);
    active.decrementAndGet();
  }

  Optional<Turn> activeTurn(String sessionId) {
    return Optional.ofNullable(activeBySession.get(sessionId));
  }

  int activeTurnCount() {
    return active.get();
  }

  ConversationStore store() {
    return store;
  }

  void close() {
    closed = true;
    // Let cancelled turns write their history and tell their listeners before the threads go.
    CompletableFuture<?>[] ending = activeBySession.values().stream()
        .peek(PipelineTurn::cancel)
        .map(t -> t.completion().handle((r, e) -> null))
        .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(ending).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.warn("closing the pipeline: {} turns did not end within 5 s", ending.length);
    }
    timer.shutdown();
    pool.shutdown();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String newTurnId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return "t-" + Long.toHexString(r.nextLong() | Long.MIN_VALUE).substring(0, 12);
  }
}
