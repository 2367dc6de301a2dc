package dev.officehours.testkit;

import dev.officehours.stt.SttProvider;
import java.util.concurrent.CountDownLatch;

/**
 * The service an {@link SttProviderContract} drives: a scripted stand-in for your transcription
 * server (usually a {@link LoopbackHttpServer}) and your provider pointed at it.
 *
 * <p>Every script is keyed by the audio uploaded: the contract sends distinct bytes per script
 * (ASCII, so a backend may find them in a multipart body), and a transcription of exactly those
 * bytes gets that script.
 */
public interface SttBackend extends AutoCloseable {

  /**
   * Your provider, pointed at this backend, with retries off.
   *
   * @return the provider under test
   */
  SttProvider provider();

  /**
   * The secret the provider was configured with, which must never appear in an exception or the
   * provider's {@code toString()}.
   *
   * @return the credential; empty when your provider takes none
   */
  String credential();

  /**
   * Scripts a successful transcription.
   *
   * @param audio the uploaded bytes that select the script
   * @param text what the service heard
   */
  void hear(byte[] audio, String text);

  /**
   * Scripts a transcription that answers only once {@code release} is counted down (or the
   * client closes the connection).
   *
   * @param audio the uploaded bytes that select the script
   * @param text what the service heard
   * @param release lets the answer go
   */
  void hearAfter(byte[] audio, String text, CountDownLatch release);

  /**
   * Scripts a failure the way your service reports it: HTTP {@code status} with an error body.
   *
   * @param audio the uploaded bytes that select the script
   * @param status the HTTP status
   * @param message the service's error message (it may echo the credential)
   */
  void fail(byte[] audio, int status, String message);

  /**
   * Scripts a response that never ends, to check that the provider bounds what it reads.
   *
   * @param audio the uploaded bytes that select the script
   * @return false when your backend cannot send one (the contract then skips the check)
   */
  default boolean endlessResponse(byte[] audio) {
    return false;
  }

  /**
   * The connections to this backend that are open now.
   *
   * @return how many are open
   */
  int openConnections();
}
