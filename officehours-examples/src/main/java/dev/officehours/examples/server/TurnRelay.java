package dev.officehours.examples.server;

import dev.officehours.AudioFrame;
import dev.officehours.SpeechFailure;
import dev.officehours.TextDelta;
import dev.officehours.ToolCallStarted;
import dev.officehours.ToolResult;
import dev.officehours.Turn;
import dev.officehours.TurnCancelled;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.TurnMetrics;
import dev.officehours.TurnResult;
import dev.officehours.examples.cli.Redactor;
import dev.officehours.tts.AudioFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries one pipeline turn to one client, in the API's vocabulary: {@code turn-started}, then
 * {@code text}, {@code audio-start} and audio, {@code tool-call} and {@code tool-result} as they
 * happen, then exactly one of {@code turn-complete},
 * {@code turn-cancelled} or {@code error}. The transport (WebSocket, SSE) is a {@link Channel}.
 */
final class TurnRelay implements TurnListener {

  /** Where a turn's events go. Called from the turn's callbacks, never concurrently for one turn. */
  interface Channel {
    /** A JSON event; its {@code type} field names it. */
    void event(Map<String, Object> event);

    /** An audio frame of this relay's turn; {@code audioStart} was sent before its chunk's first frame. */
    void audio(TurnRelay relay, AudioFrame frame);

    /** The turn ended (after its last event was handed over). */
    default void ended(TurnRelay relay) {}
  }

  private final int turnNumber;
  private final String session;
  private final Channel channel;
  private final ServerMetrics metrics;
  private final Redactor redactor;
  private final AtomicBoolean announced = new AtomicBoolean();
  private final AtomicBoolean over = new AtomicBoolean();
  private volatile String cancelReason = "cancelled";
  private volatile String requestId;
  private volatile Turn turn;
  private int chunk = -1;
  private volatile long firstAudioNanos;

  TurnRelay(int turnNumber, String session, Channel channel, ServerMetrics metrics, Redactor redactor) {
    this.turnNumber = turnNumber;
    this.session = session;
    this.channel = channel;
    this.metrics = metrics;
    this.redactor = redactor;
  }

  /** The client's id of the {@code start} this turn answers, echoed in {@code turn-started}. */
  void requestId(String id) {
    this.requestId = id;
  }

  int turnNumber() {
    return turnNumber;
  }

  Turn turn() {
    return turn;
  }

  boolean ended() {
    return over.get();
  }

  /** Called with the handle {@code start} returned: announces the turn if no event did yet. */
  void started(Turn turn) {
    this.turn = turn;
    announce(turn.id());
  }

  /** Cancels the turn, saying why in its {@code turn-cancelled}. */
  boolean cancel(String reason) {
    cancelReason = reason;
    Turn t = turn;
    return t != null && t.cancel();
  }

  /** Barge-in with a playback position; {@code turn-cancelled} says {@code interrupted} if it was in flight. */
  boolean interrupt(dev.officehours.PlaybackPosition heard) {
    cancelReason = "interrupted";
    return turn.interrupt(heard);
  }

  /**
   * Sends {@code turn-started} once, before any other event of the turn: the thread that loses
   * the race (start's caller or the first callback) waits until it has been handed over.
   */
  private void announce(String turnId) {
    if (announced.get()) {
      return;
    }
    synchronized (announced) {
      if (announced.get()) {
        return;
      }
      Map<String, Object> started = event("turn-started", turnId, "turnNumber", turnNumber, "session", session);
      if (requestId != null) {
        started.put("requestId", requestId);
      }
      channel.event(started);
      announced.set(true);
    }
  }

  @Override
  public void onText(TextDelta delta) {
    announce(delta.turnId());
    channel.event(event("text", delta.turnId(), "text", delta.text()));
  }

  @Override
  public void onToolCall(ToolCallStarted call) {
    announce(call.turnId());
    channel.event(event("tool-call", call.turnId(), "callId", call.callId(), "name", call.toolName(),
        "arguments", call.arguments(), "round", call.round()));
  }

  @Override
  public void onToolResult(ToolResult result) {
    announce(result.turnId());
    // an error result quotes an exception's message, which may carry what a tool was configured with
    String text = result.ok() ? result.result() : redactor.clean(result.result());
    channel.event(event("tool-result", result.turnId(), "callId", result.callId(), "name", result.toolName(),
        "status", result.status().tagValue(), "result", text, "truncated", result.truncated(),
        "durationMs", millis(result.duration())));
  }

  /** When the pipeline handed this turn's first audio to the server (System.nanoTime), or 0. */
  long firstAudioNanos() {
    return firstAudioNanos;
  }

  @Override
  public void onAudio(AudioFrame frame) {
    if (firstAudioNanos == 0) {
      firstAudioNanos = System.nanoTime();
    }
    announce(frame.turnId());
    if (frame.chunkIndex() != chunk) {
      chunk = frame.chunkIndex();
      AudioFormat f = frame.format();
      Map<String, Object> start = event("audio-start", frame.turnId(), "turnNumber", turnNumber,
          "chunkIndex", frame.chunkIndex(), "text", frame.chunkText());
      start.putAll(format(f));
      start.put("fromCache", frame.fromCache());
      channel.event(start);
    }
    channel.audio(this, frame);
  }

  @Override
  public void onComplete(TurnResult result) {
    announce(result.turnId());
    if (!over.compareAndSet(false, true)) {
      return;
    }
    TurnMetrics m = result.metrics();
    metrics.turnCompleted(m);
    Map<String, Object> numbers = new LinkedHashMap<>();
    numbers.put("ttftMs", millis(m.timeToFirstToken().orElse(null)));
    numbers.put("ttfaMs", millis(m.timeToFirstAudio().orElse(null)));
    numbers.put("totalMs", millis(m.total()));
    numbers.put("chunks", m.chunks());
    numbers.put("audioBytes", m.audioBytes());
    numbers.put("ttsCacheHits", m.ttsCacheHits());
    numbers.put("toolCalls", m.toolCalls());
    numbers.put("toolMs", millis(m.toolTime()));
    numbers.put("llmRounds", m.llmRounds());
    List<Map<String, Object>> failures = new ArrayList<>();
    for (SpeechFailure f : result.speechFailures()) {
      ApiException e = TurnErrors.of(f.error(), redactor);
      Map<String, Object> failure = new LinkedHashMap<>();
      failure.put("chunkIndex", f.chunkIndex());
      failure.put("code", e.code());
      failure.put("message", e.getMessage());
      failures.add(failure);
    }
    channel.event(event("turn-complete", result.turnId(), "answerFromCache", result.answerFromCache(),
        "metrics", numbers, "speechFailures", failures));
    channel.ended(this);
  }

  @Override
  public void onCancelled(TurnCancelled cancelled) {
    announce(cancelled.turnId());
    if (!over.compareAndSet(false, true)) {
      return;
    }
    metrics.turnCancelled();
    channel.event(event("turn-cancelled", cancelled.turnId(), "reason", cancelReason));
    channel.ended(this);
  }

  @Override
  public void onError(TurnFailed failure) {
    announce(failure.turnId());
    if (!over.compareAndSet(false, true)) {
      return;
    }
    ApiException e = TurnErrors.of(failure.error(), redactor);
    metrics.turnFailed(e.code());
    Map<String, Object> event = error(e, failure.turnId());
    if (requestId != null) {
      event.put("requestId", requestId);
    }
    channel.event(event);
    channel.ended(this);
  }

  /** The {@code error} event of an {@link ApiException}. */
  static Map<String, Object> error(ApiException e, String turnId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "error");
    m.put("code", e.code());
    m.put("message", e.getMessage());
    if (turnId != null) {
      m.put("turnId", turnId);
    }
    if (e.field() != null) {
      m.put("field", e.field());
    }
    if (e.retryAfterMillis() >= 0) {
      m.put("retryAfterMs", e.retryAfterMillis());
    }
    return m;
  }

  static Map<String, Object> format(AudioFormat f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("encoding", f.isRawPcm() ? "pcm_s16le" : f.encoding().wireName());
    m.put("sampleRate", f.sampleRate());
    m.put("channels", f.channels());
    return m;
  }

  static Map<String, Object> event(String type, String turnId, Object... fields) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("turnId", turnId);
    for (int i = 0; i < fields.length; i += 2) {
      m.put((String) fields[i], fields[i + 1]);
    }
    return m;
  }

  private static Double millis(Duration d) {
    return d == null ? null : Math.round(d.toNanos() / 100_000.0) / 10.0;
  }
}
