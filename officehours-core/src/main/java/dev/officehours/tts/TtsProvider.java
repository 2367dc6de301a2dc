package dev.officehours.tts;

/**
 * A streaming text-to-speech engine. {@link #synthesize} must not block the calling thread on the
 * network: it starts the call and returns; audio arrives on the {@link AudioSink}.
 *
 * <p>The built-in implementation is {@code dev.officehours.openai.OpenAiSpeech} for any endpoint
 * that speaks OpenAI's {@code /v1/audio/speech}.
 */
public interface TtsProvider {

  /**
   * A short stable id of this provider and endpoint; part of every TTS cache key.
   *
   * @return the id, the same for every call; must not contain secrets
   */
  String id();

  /**
   * A request for {@code text} with this provider's configured model, voice, speed and format.
   *
   * @param text the speakable text
   * @return the request, to pass to {@link #synthesize} as is or changed with its {@code with}
   *     methods
   */
  SpeechRequest request(String text);

  /**
   * The longest text one request accepts.
   *
   * @return the limit in characters (default 4,096, OpenAI's)
   */
  default int maxInputChars() {
    return 4096;
  }

  /**
   * Starts a synthesis.
   *
   * @param request what to say and how
   * @param sink receives the audio and exactly one terminal callback
   * @return a handle to cancel the call
   */
  TtsCall synthesize(SpeechRequest request, AudioSink sink);

  /**
   * This provider as one turn sees it: the pipeline asks for a view when a turn starts and sends
   * every synthesis of that turn through it, then drops it. A provider whose syntheses are
   * independent of each other returns itself (the default); a fallback chain returns a view that
   * keeps a turn on the voice that first spoke in it.
   *
   * @return the provider to use for one turn's syntheses; this provider by default
   */
  default TtsProvider forTurn() {
    return this;
  }
}
