package dev.officehours.stt;

import java.util.concurrent.CompletableFuture;

/**
 * A speech-to-text engine for recorded utterances. {@link #transcribe} must not block the calling
 * thread on the network. The built-in implementation is
 * {@code dev.officehours.openai.OpenAiTranscription} ({@code /v1/audio/transcriptions}).
 */
public interface SttProvider {

  /**
   * A short stable id of this provider and endpoint.
   *
   * @return the id, the same for every call; must not contain secrets
   */
  String id();

  /**
   * Transcribes one utterance.
   *
   * @param audio the encoded audio (WAV, MP3, WebM/Opus, ...)
   * @param mimeType its MIME type, e.g. {@code audio/wav}
   * @return the transcript, or a future failed with an
   *     {@link dev.officehours.errors.OfficeHoursException} of stage {@code STT}; cancelling
   *     the future cancels the call and closes its connection
   */
  CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType);

  /**
   * Transcribes one utterance spoken in a known language. Providers that take a language per call
   * override this; the default ignores {@code language} and calls {@link #transcribe(byte[],
   * String)}, so the provider detects the language or uses its configured one.
   *
   * @param audio the encoded audio (WAV, MP3, WebM/Opus, ...)
   * @param mimeType its MIME type, e.g. {@code audio/wav}
   * @param language the spoken language as an ISO-639-1 code ({@code en}); empty when unknown
   * @return the transcript, or a future failed with an
   *     {@link dev.officehours.errors.OfficeHoursException} of stage {@code STT}
   */
  default CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType, String language) {
    return transcribe(audio, mimeType);
  }
}
