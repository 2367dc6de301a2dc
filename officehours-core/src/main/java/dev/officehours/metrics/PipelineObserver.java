package dev.officehours.metrics;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.tools.ToolStatus;
import java.time.Duration;
import java.util.List;

/**
 * Told about every stage of every turn, for metrics and tracing. Modelled on OkHttp's
 * {@code EventListener}: every method is a no-op by default, so override only what you need.
 *
 * <p>Methods are called on the pipeline's threads, from many turns at once: they <b>must be fast
 * and thread-safe, and must not throw</b>. An exception thrown here is logged and ignored.
 */
public abstract class PipelineObserver {

  /** An observer that ignores everything. */
  public static final PipelineObserver NONE = new PipelineObserver() {};

  /** Subclasses only. */
  protected PipelineObserver() {}

  /**
   * A turn was accepted and is starting.
   *
   * @param sessionId the turn's session
   * @param turnId the turn's id, as in its events
   */
  public void turnStarted(String sessionId, String turnId) {}

  /**
   * The first LLM token arrived (time to first token).
   *
   * @param timeToFirstToken from the turn's start
   * @param fromCache whether the answer is replayed from the answer cache
   */
  public void llmFirstToken(Duration timeToFirstToken, boolean fromCache) {}

  /**
   * An LLM stream ended normally.
   *
   * @param duration from the turn's start to the stream's end
   * @param fromCache whether the answer was replayed from the answer cache
   */
  public void llmCompleted(Duration duration, boolean fromCache) {}

  /**
   * The first audio byte of a chunk's synthesis arrived (TTS time to first byte).
   *
   * @param timeToFirstByte from the start of the synthesis attempt
   */
  public void ttsFirstByte(Duration timeToFirstByte) {}

  /**
   * A chunk's synthesis ended normally.
   *
   * @param duration from the start of the successful attempt to its last byte
   * @param bytes audio bytes the chunk brought
   * @param fromCache whether the audio came from the TTS cache
   */
  public void ttsCompleted(Duration duration, long bytes, boolean fromCache) {}

  /**
   * The first audio of a turn was delivered to the caller (time to first audio).
   *
   * @param timeToFirstAudio from the turn's start
   */
  public void turnFirstAudio(Duration timeToFirstAudio) {}

  /**
   * A tool call ended.
   *
   * @param toolName the tool's name; {@code unknown} when the model called a tool the turn does
   *     not have (so a model cannot invent metric tags)
   * @param status how it ended
   * @param duration how long it ran; zero when it was not run
   */
  public void toolCallEnded(String toolName, ToolStatus status, Duration duration) {}

  /**
   * A turn ended.
   *
   * @param outcome completed, cancelled or failed
   * @param total from the turn's start to its terminal event
   */
  public void turnEnded(TurnOutcome outcome, Duration total) {}

  /**
   * An error at a stage, whether or not the turn survived it (a TTS chunk failure, say).
   *
   * @param stage where the error arose
   * @param error the error, as a listener would see it
   */
  public void error(OfficeHoursException.Stage stage, OfficeHoursException error) {}

  /**
   * A cache lookup hit.
   *
   * @param cache which cache: {@code tts}, {@code answer} or {@code history}
   */
  public void cacheHit(String cache) {}

  /**
   * A cache lookup missed.
   *
   * @param cache which cache: {@code tts}, {@code answer} or {@code history}
   */
  public void cacheMiss(String cache) {}

  /**
   * A cache tier failed (timeout, connection lost); the lookup was treated as a miss.
   *
   * @param cache which cache: {@code tts}, {@code answer} or {@code history}
   */
  public void cacheError(String cache) {}

  /**
   * The first token of the answer itself arrived (time to first answer token). For a model that
   * reasons aloud first, this comes after {@link #llmFirstToken}, which its first reasoning token
   * triggered; for any other model both are the same moment. What the listener waits for is this
   * one.
   *
   * @param timeToFirstAnswerToken from the turn's start
   * @param fromCache whether the answer is replayed from the answer cache
   */
  public void llmFirstAnswerToken(Duration timeToFirstAnswerToken, boolean fromCache) {}

  /**
   * A fallback chain moved a call from one provider to the next, because the first failed before
   * its first token or byte (or took longer than the chain's attempt timeout to send it).
   *
   * @param stage {@code LLM}, {@code TTS} or {@code STT}
   * @param from the {@code id()} of the provider that failed
   * @param to the {@code id()} of the provider tried next
   * @param reason what went wrong with {@code from}
   */
  public void providerFailover(OfficeHoursException.Stage stage, String from, String to,
      OfficeHoursException reason) {}

  /**
   * A fallback chain served a call with a provider (it sent the first token or byte, or a
   * transcript).
   *
   * @param stage {@code LLM}, {@code TTS} or {@code STT}
   * @param provider the {@code id()} of the provider that served
   */
  public void providerServed(OfficeHoursException.Stage stage, String provider) {}

  /**
   * A fallback chain marked a provider unhealthy (it failed too often in a row; calls skip it)
   * or healthy again (a probe or a call succeeded).
   *
   * @param stage {@code LLM}, {@code TTS} or {@code STT}
   * @param provider the {@code id()} of the provider
   * @param healthy whether it is healthy now
   */
  public void providerHealthChanged(OfficeHoursException.Stage stage, String provider,
      boolean healthy) {}

  /**
   * The user's audio of a turn started from audio was transcribed (speech-to-text latency).
   *
   * @param duration from the start of the transcription to its transcript
   */
  public void sttCompleted(Duration duration) {}

  /**
   * An observer that forwards every call to each of {@code observers} in turn.
   *
   * @param observers the observers, in call order; copied
   * @return {@link #NONE} for an empty list, the observer itself for a list of one, else a
   *     composite
   */
  public static PipelineObserver composite(List<PipelineObserver> observers) {
    List<PipelineObserver> copy = List.copyOf(observers);
    if (copy.isEmpty()) {
      return NONE;
    }
    if (copy.size() == 1) {
      return copy.get(0);
    }
    return new CompositeObserver(copy);
  }
}
