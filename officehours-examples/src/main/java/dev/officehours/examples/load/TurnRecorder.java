package dev.officehours.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a client of the example server observes of one turn, event by event, turned into a
 * {@link TurnSample} by its terminal event. The events arrive on one reader thread, but a client
 * deadline may fire on another, so every method holds the lock and only the first terminal event
 * counts.
 */
final class TurnRecorder {
  final CompletableFuture<TurnSample> done = new CompletableFuture<>();
  private final long started;
  private final List<TurnSample.ChunkArrival> chunks = new ArrayList<>();
  private long firstToken = -1;
  private long firstAudio = -1;
  private long audioBytes;
  private int cacheHits;
  private int currentChunk = -1;
  private long currentChunkStart;
  private long currentChunkBytes;
  private double bytesPerSecond;
  private String turnId = "";
  private long accepted = -1;
  private String requestId = "";

  TurnRecorder(long startedNanos) {
    this.started = startedNanos;
  }

  synchronized void turnStarted(String id, long now) {
    turnId = id == null ? "" : id;
    if (accepted < 0) {
      accepted = now;
    }
  }

  synchronized void requestId(String id) {
    requestId = id;
  }

  synchronized String requestId() {
    return requestId;
  }

  synchronized String turnId() {
    return turnId;
  }

  synchronized void text(long now) {
    if (firstToken < 0) {
      firstToken = now;
    }
  }

  /**
   * A chunk's format is announced (WebSocket {@code audio-start}) before its frames.
   *
   * @param chunkIndex the chunk
   * @param encoding e.g. {@code pcm_s16le}
   * @param sampleRate samples per second
   * @param channels channels
   * @param fromCache whether its audio came from the TTS cache
   */
  synchronized void chunkAnnounced(int chunkIndex, String encoding, int sampleRate, int channels, boolean fromCache) {
    if (chunkIndex != currentChunk) {
      closeChunk();
      currentChunk = chunkIndex;
      currentChunkStart = -1;
      currentChunkBytes = 0;
    }
    bytesPerSecond = bytesPerSecond(encoding, sampleRate, channels);
    if (fromCache) {
      cacheHits++;
    }
  }

  /**
   * Audio of a chunk arrived.
   *
   * @param chunkIndex the chunk it belongs to
   * @param bytes audio bytes (without any header)
   * @param now when it arrived
   */
  synchronized void audio(int chunkIndex, long bytes, long now) {
    if (firstAudio < 0) {
      firstAudio = now;
    }
    if (chunkIndex != currentChunk) {
      closeChunk();
      currentChunk = chunkIndex;
      currentChunkStart = now;
      currentChunkBytes = 0;
    } else if (currentChunkStart < 0) {
      currentChunkStart = now;
    }
    currentChunkBytes += bytes;
    audioBytes += bytes;
  }

  /** Sets the format of the chunk whose frames carry it themselves (SSE {@code audio} events). */
  synchronized void format(String encoding, int sampleRate, int channels) {
    bytesPerSecond = bytesPerSecond(encoding, sampleRate, channels);
  }

  private static double bytesPerSecond(String encoding, int sampleRate, int channels) {
    // compressed audio has no fixed byte rate: its chunks count as arrivals without a duration
    return "pcm_s16le".equals(encoding) && sampleRate > 0 ? 2.0 * sampleRate * Math.max(1, channels) : 0;
  }

  private void closeChunk() {
    if (currentChunk >= 0 && currentChunkStart >= 0) {
      chunks.add(new TurnSample.ChunkArrival(currentChunkStart,
          bytesPerSecond > 0 ? currentChunkBytes / bytesPerSecond : 0));
    }
    currentChunk = -1;
  }

  /**
   * The turn completed ({@code turn-complete}).
   *
   * @param body the event, with {@code answerFromCache}, {@code metrics} and {@code speechFailures}
   * @param now when it arrived
   * @return whether this was the turn's first terminal event
   */
  synchronized boolean complete(JsonNode body, long now) {
    if (done.isDone()) {
      return false;
    }
    closeChunk();
    JsonNode failures = body.path("speechFailures");
    int speechFailures = failures.isArray() ? failures.size() : 0;
    if (speechFailures > 0 && audioBytes == 0) {
      // a voice turn nobody heard is a failure, as the in-process target counts it
      return done.complete(sample(now, "tts_error", "speech failed for every chunk: "
          + failures.path(0).path("message").asText(failures.path(0).path("code").asText("")), speechFailures));
    }
    JsonNode metrics = body.path("metrics");
    int hits = Math.max(cacheHits, metrics.path("ttsCacheHits").asInt(0));
    return done.complete(new TurnSample(started, firstToken, firstAudio, now, chunks, audioBytes, hits,
        body.path("answerFromCache").asBoolean(false), "", "", speechFailures, millis(metrics.path("ttftMs")),
        millis(metrics.path("ttfaMs")), accepted));
  }

  private static double millis(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  /**
   * The turn failed.
   *
   * @param code a short stable code, e.g. {@code rate_limited} or {@code connection_closed}
   * @param message what happened
   * @param now when it was known
   * @return whether this was the turn's first terminal event
   */
  synchronized boolean fail(String code, String message, long now) {
    if (done.isDone()) {
      return false;
    }
    closeChunk();
    return done.complete(sample(now, code, message, 0));
  }

  private TurnSample sample(long now, String code, String message, int speechFailures) {
    return new TurnSample(started, firstToken, firstAudio, now, chunks, audioBytes, cacheHits, false, code,
        message == null ? "" : message, speechFailures);
  }
}
