package dev.officehours.testkit;

import dev.officehours.llm.LlmProvider;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The service an {@link LlmProviderContract} drives: a scripted stand-in for your model's server
 * (usually a {@link LoopbackHttpServer} speaking your wire format) and your provider pointed at it.
 *
 * <p>Every script is keyed by the prompt: a call whose last user message is exactly {@code prompt}
 * gets that script, however many calls run at once. A script serves every call with its prompt.
 */
public interface LlmBackend extends AutoCloseable {

  /**
   * Your provider, pointed at this backend, with retries off (so a scripted failure reaches the
   * listener as it is) and, if it takes one, a credential: {@link #credential()}.
   *
   * @return the provider under test
   */
  LlmProvider provider();

  /**
   * The secret the provider was configured with (API key, token), which must never appear in
   * an exception, its message, or the provider's {@code toString()}.
   *
   * @return the credential; empty when your provider takes none
   */
  String credential();

  /**
   * Scripts a normal answer: these pieces, each sent (and flushed) on its own, in order, then a
   * normal end ({@code finish_reason: stop} or your format's equivalent).
   *
   * @param prompt the prompt that selects the script
   * @param tokens the pieces of the answer, none empty
   */
  void answer(String prompt, List<String> tokens);

  /**
   * Scripts an answer that stalls: these pieces, then the stream stays open, sending nothing,
   * until {@code release} is counted down or the client closes the connection; then a normal end.
   *
   * @param prompt the prompt that selects the script
   * @param tokens the pieces sent before the stall; may be empty (stall before the first)
   * @param release lets the stream go on
   */
  void answerThenStall(String prompt, List<String> tokens, CountDownLatch release);

  /**
   * Scripts a stream cut off mid-way: these pieces, then the connection breaks without a normal
   * end.
   *
   * @param prompt the prompt that selects the script
   * @param tokens the pieces sent before the break
   */
  void cutOff(String prompt, List<String> tokens);

  /**
   * Scripts a failure the way your service reports it: HTTP {@code status} with an error body
   * carrying {@code message}.
   *
   * @param prompt the prompt that selects the script
   * @param status the HTTP status, e.g. 401, 429, 500
   * @param message the service's error message (it may echo the credential, as real ones do)
   */
  void fail(String prompt, int status, String message);

  /**
   * Scripts a response that never ends one unit of your format (an SSE line, a JSON object) and
   * keeps sending bytes of it, to check that the provider bounds what it buffers.
   *
   * @param prompt the prompt that selects the script
   * @return false when your format has no such unit (the contract then skips the check)
   */
  default boolean endlessEvent(String prompt) {
    return false;
  }

  /**
   * The connections (or streams) to this backend that are open now; a cancelled call must
   * close its own.
   *
   * @return how many are open
   */
  int openConnections();
}
