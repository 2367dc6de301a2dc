package dev.officehours.examples.load;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.TextDelta;
import dev.officehours.TurnCancelled;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.tts.AudioFormat;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Drives a {@link ConversationPipeline} in this process: each turn is started with
 * {@link ConversationPipeline#start} and observed through its listener, so no thread waits for it.
 */
public final class PipelineTarget implements LoadTarget {
  private final ConversationPipeline pipeline;
  private final String description;
  private final Supplier<Map<String, Object>> stats;
  private final List<AutoCloseable> resources;
  /** Terminal events after a turn's first, and text or audio after it: the soak's integrity checks. */
  private final LongAdder extraEnds = new LongAdder();
  private final LongAdder eventsAfterEnd = new LongAdder();

  /**
   * A target that starts each turn on {@code pipeline}.
   *
   * @param pipeline the pipeline under test; closed with this target
   * @param description what it is, one line for the report
   * @param stats the counters {@link #stats()} reports, read before and after the run (see
   *     {@link LoadTarget#stats()}), e.g. the simulated server's requests
   * @param resources closed with this target, in order, after the pipeline
   */
  public PipelineTarget(ConversationPipeline pipeline, String description,
      Supplier<Map<String, Object>> stats, List<AutoCloseable> resources) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.description = Objects.requireNonNull(description, "description");
    this.stats = Objects.requireNonNull(stats, "stats");
    this.resources = List.copyOf(resources);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Map<String, Object> stats() {
    return stats.get();
  }

  @Override
  public CompletionStage<TurnSample> send(String sessionId, String question) {
    Observer observer = new Observer(extraEnds, eventsAfterEnd);
    try {
      pipeline.start(TurnRequest.of(sessionId, question), observer);
    } catch (OfficeHoursException e) {
      observer.fail(e);
    }
    return observer.done;
  }

  @Override
  public void close() {
    pipeline.close();
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        // closing a test resource: nothing to do about it
      }
    }
  }

  /**
   * A short stable code for an error, for counting: the provider's error code
   * ({@code rate_limit_exceeded}), else {@code http_<status>}, else the kind of failure
   * ({@code connection_refused}, {@code turn_timeout}, {@code llm_error}, ...).
   *
   * @param e the error
   * @return the code
   */
  static String errorCode(Throwable e) {
    if (e instanceof ProviderException p) {
      if (p.errorCode().isPresent()) {
        return p.errorCode().get();
      }
      if (p.status().isPresent()) {
        return "http_" + p.status().getAsInt();
      }
    }
    if (e instanceof TurnTimeoutException) {
      return "turn_timeout";
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return "connection_refused";
      }
    }
    if (e instanceof OfficeHoursException o) {
      return o.stage().name().toLowerCase(Locale.ROOT) + "_error";
    }
    return e.getClass().getSimpleName();
  }

  /**
   * Turns in flight in the pipeline right now.
   *
   * @return the pipeline's {@link ConversationPipeline#activeTurns()}
   */
  int activeTurns() {
    return pipeline.activeTurns();
  }

  /**
   * Counts terminal events (complete, error, cancelled) a turn's listener received after its first:
   * a turn must end exactly once.
   *
   * @return such events since this target was created
   */
  long extraEnds() {
    return extraEnds.sum();
  }

  /**
   * Counts text and audio a turn's listener received after its terminal event.
   *
   * @return such events since this target was created
   */
  long eventsAfterEnd() {
    return eventsAfterEnd.sum();
  }

  /** Observes one turn; its callbacks never overlap, so plain fields suffice. */
  private static final class Observer implements TurnListener {
    final CompletableFuture<TurnSample> done = new CompletableFuture<>();
    final LongAdder extraEnds;
    final LongAdder eventsAfterEnd;
    boolean ended;
    final long started = System.nanoTime();
    final List<TurnSample.ChunkArrival> chunks = new ArrayList<>();
    long firstToken = -1;
    long firstAudio = -1;
    long audioBytes;
    int currentChunk = -1;
    long currentChunkStart;
    long currentChunkBytes;
    AudioFormat format;
    int cacheHits;

    Observer(LongAdder extraEnds, LongAdder eventsAfterEnd) {
      this.extraEnds = extraEnds;
      this.eventsAfterEnd = eventsAfterEnd;
    }

    /** Marks the turn ended; false (and counted) when it had already ended. */
    private boolean end() {
      if (ended) {
        extraEnds.increment();
        return false;
      }
      ended = true;
      return true;
    }

    @Override
    public void onText(TextDelta delta) {
      if (ended) {
        eventsAfterEnd.increment();
      }
      if (firstToken < 0) {
        firstToken = System.nanoTime();
      }
    }

    @Override
    public void onAudio(AudioFrame frame) {
      if (ended) {
        eventsAfterEnd.increment();
      }
      long now = System.nanoTime();
      if (firstAudio < 0) {
        firstAudio = now;
      }
      if (frame.chunkIndex() != currentChunk) {
        closeChunk();
        currentChunk = frame.chunkIndex();
        currentChunkStart = now;
        currentChunkBytes = 0;
        format = frame.format();
        if (frame.fromCache()) {
          cacheHits++;
        }
      }
      currentChunkBytes += frame.data().length;
      audioBytes += frame.data().length;
    }

    private void closeChunk() {
      if (currentChunk >= 0) {
        double seconds = format != null && format.isRawPcm()
            ? (double) currentChunkBytes / (format.sampleRate() * format.frameSize()) : 0;
        chunks.add(new TurnSample.ChunkArrival(currentChunkStart, seconds));
        currentChunk = -1;
      }
    }

    @Override
    public void onComplete(TurnResult result) {
      if (!end()) {
        return;
      }
      closeChunk();
      int speechFailures = result.speechFailures().size();
      if (speechFailures > 0 && audioBytes == 0) {
        // the caller heard nothing: a voice turn without any audio is a failure, not a success
        done.complete(new TurnSample(started, firstToken, firstAudio, System.nanoTime(), chunks, audioBytes,
            cacheHits, false, "tts_error", "speech failed for every chunk: "
                + result.speechFailures().get(0).error().getMessage(), speechFailures));
        return;
      }
      done.complete(new TurnSample(started, firstToken, firstAudio, System.nanoTime(), chunks, audioBytes,
          Math.max(cacheHits, result.metrics().ttsCacheHits()), result.answerFromCache(), "", "", speechFailures));
    }

    @Override
    public void onError(TurnFailed failure) {
      fail(failure.error());
    }

    @Override
    public void onCancelled(TurnCancelled cancelled) {
      if (!end()) {
        return;
      }
      closeChunk();
      done.complete(new TurnSample(started, firstToken, firstAudio, System.nanoTime(), chunks, audioBytes,
          cacheHits, false, "cancelled", "the turn was cancelled"));
    }

    void fail(OfficeHoursException e) {
      if (!end()) {
        return;
      }
      closeChunk();
      done.complete(new TurnSample(started, firstToken, firstAudio, System.nanoTime(), chunks, audioBytes,
          cacheHits, false, errorCode(e), String.valueOf(e.getMessage())));
    }
  }
}
