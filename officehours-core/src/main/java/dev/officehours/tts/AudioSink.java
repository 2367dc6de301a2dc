package dev.officehours.tts;

import dev.officehours.errors.OfficeHoursException;
import java.util.List;

/**
 * Receives the audio of one synthesis as it arrives. A provider calls {@link #onAudio} zero or
 * more times, then exactly one of {@link #onComplete} or {@link #onError}, never concurrently,
 * and nothing after {@link TtsCall#cancel()}. For raw PCM every {@code onAudio} buffer holds whole
 * sample frames. Implementations must be fast and must not throw.
 *
 * <p><b>Backpressure.</b> The pipeline's sink may make {@link #onAudio} wait while the turn
 * already holds as much as it may for a slow listener (see {@code
 * ConversationPipeline.Builder.turnBufferBytes}): call it from a thread that may wait — the
 * thread that reads the response, so that it stops reading and TCP pushes back — never from a
 * shared event loop or timer. A cancel always releases a caller waiting for room at once. With
 * the pipeline's default callback executor the call may also run the turn's listener callbacks
 * for what it brought, right on this thread (it has nothing else to do until its next read): it
 * then returns when the listener does, so do not hold a lock another thread needs while calling.
 */
public interface AudioSink {

  /**
   * Called once, before any audio, when this audio is served from a cache rather than
   * synthesised now.
   */
  default void onCacheHit() {}

  /**
   * The next audio bytes. The array is handed over: the provider does not touch it afterwards.
   *
   * @param audio bytes in the request's format, never empty
   */
  void onAudio(byte[] audio);

  /** The synthesis ended normally. */
  void onComplete();

  /**
   * The synthesis failed; no further callback follows.
   *
   * @param error what went wrong, of stage {@code TTS}
   */
  void onError(OfficeHoursException error);

  /**
   * The next audio bytes with the timings of the words that start in them, for providers that
   * report them (ElevenLabs). Times are relative to the start of this synthesis's audio, not of
   * this buffer. A word is reported once, with the buffer that holds the start of its audio or
   * an earlier one; a provider that uses this method for a synthesis uses it for every buffer of
   * it (an empty list when none starts there). Providers that report no timings call {@link
   * #onAudio(byte[])}, and the pipeline estimates them ({@link WordTiming#estimate}).
   *
   * <p>The default forwards the audio to {@link #onAudio(byte[])} and drops the timings, so a
   * sink that does not know about timings (a cache, an older wrapper) keeps working; the
   * pipeline then estimates them.
   *
   * @param audio bytes in the request's format, never empty; handed over as with {@link
   *     #onAudio(byte[])}
   * @param words timings of the words that start in {@code audio}, in order; may be empty
   */
  default void onAudio(byte[] audio, List<WordTiming> words) {
    onAudio(audio);
  }

  /**
   * Called once, before any audio (and before {@link #onCacheHit}), by a provider that delegates
   * (a fallback chain) to name the provider that serves this synthesis. A provider that serves
   * its own syntheses does not call it.
   *
   * @param providerId the {@link TtsProvider#id()} of the provider whose audio follows
   */
  default void onProvider(String providerId) {}
}
