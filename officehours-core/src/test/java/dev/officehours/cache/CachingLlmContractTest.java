package dev.officehours.cache;

import dev.officehours.llm.LlmProvider;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.openai.OpenAiChatBackends;
import dev.officehours.testkit.LlmBackend;
import dev.officehours.testkit.LlmProviderContract;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * An LLM wrapped by the answer cache keeps the provider contract: a miss streams the provider's
 * answer through in order, a cancel reaches its connection, its errors pass unchanged. Each check
 * asks its own question, so every call here is a miss.
 */
class CachingLlmContractTest extends LlmProviderContract {

  @Override
  protected LlmBackend startBackend() throws Exception {
    return new Cached(OpenAiChatBackends.start());
  }

  /** The OpenAI chat backend, its provider wrapped by an in-memory answer cache. */
  static final class Cached implements LlmBackend {
    private final LlmBackend inner;
    private final LlmProvider cached;

    Cached(LlmBackend inner) {
      this.inner = inner;
      this.cached = AnswerCache.inMemory().wrap(inner.provider(), PipelineObserver.NONE);
    }

    @Override
    public LlmProvider provider() {
      return cached;
    }

    @Override
    public String credential() {
      return inner.credential();
    }

    @Override
    public void answer(String prompt, List<String> tokens) {
      inner.answer(prompt, tokens);
    }

    @Override
    public void answerThenStall(String prompt, List<String> tokens, CountDownLatch release) {
      inner.answerThenStall(prompt, tokens, release);
    }

    @Override
    public void cutOff(String prompt, List<String> tokens) {
      inner.cutOff(prompt, tokens);
    }

    @Override
    public void fail(String prompt, int status, String message) {
      inner.fail(prompt, status, message);
    }

    @Override
    public boolean endlessEvent(String prompt) {
      return inner.endlessEvent(prompt);
    }

    @Override
    public int openConnections() {
      return inner.openConnections();
    }

    @Override
    public void close() throws Exception {
      inner.close();
    }
  }
}
