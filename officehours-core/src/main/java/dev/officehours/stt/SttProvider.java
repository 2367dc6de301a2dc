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
}
