package dev.officehours.testkit;

import dev.officehours.tts.TtsProvider;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The service a {@link TtsProviderContract} drives: a scripted stand-in for your speech server
 * (usually a {@link LoopbackHttpServer} speaking your wire format) and your provider pointed at it.
 *
 * <p>Every script is keyed by the text to speak: a synthesis of exactly {@code text} gets that
 * script, however many run at once. Audio is given as the bytes your provider should deliver
 * (for raw PCM, the samples); a backend whose wire format wraps them (base64 in JSON, say) wraps
 * them.
 */
public interface TtsBackend extends AutoCloseable {

  /**
   * Your provider, pointed at this backend, with retries off, producing raw 16-bit PCM when it
   * can (so the contract can check whole sample frames).
   *
   * @return the provider under test
   */
  TtsProvider provider();

  /**
   * The secret the provider was configured with, which must never appear in an exception or the
   * provider's {@code toString()}.
   *
   * @return the credential; empty when your provider takes none
   */
  String credential();

  /**
   * Scripts a normal synthesis: these pieces of audio, each sent (and flushed) on its own, in
   * order, then a normal end.
   *
   * @param text the text that selects the script
   * @param pieces the audio, piece by piece
   */
  void speak(String text, List<byte[]> pieces);

  /**
   * Scripts a synthesis that stalls: these pieces, then the stream stays open until {@code
   * release} is counted down or the client closes the connection; then a normal end.
   *
   * @param text the text that selects the script
   * @param pieces the audio sent before the stall; may be empty
   * @param release lets the stream go on
   */
  void speakThenStall(String text, List<byte[]> pieces, CountDownLatch release);

  /**
   * Scripts a synthesis cut off mid-way: these pieces, then the connection breaks.
   *
   * @param text the text that selects the script
   * @param pieces the audio sent before the break
   */
  void cutOff(String text, List<byte[]> pieces);

  /**
   * Scripts a failure the way your service reports it: HTTP {@code status} with an error body
   * carrying {@code message}.
   *
   * @param text the text that selects the script
   * @param status the HTTP status
   * @param message the service's error message (it may echo the credential)
   */
  void fail(String text, int status, String message);

  /**
   * The connections (or streams) to this backend that are open now.
   *
   * @return how many are open
   */
  int openConnections();
}
