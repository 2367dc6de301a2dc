package dev.officehours.cache;

import dev.officehours.metrics.PipelineObserver;
import dev.officehours.openai.OpenAiSpeechBackends;
import dev.officehours.testkit.TtsBackend;
import dev.officehours.testkit.TtsProviderContract;
import dev.officehours.tts.TtsProvider;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A TTS provider wrapped by the TTS cache keeps the provider contract: on a miss the wrapper
 * streams the provider's audio through, in order, and a cancel reaches the provider's
 * connection. Each check scripts its own text, so every synthesis here is a miss.
 */
class CachingTtsContractTest extends TtsProviderContract {

  @Override
  protected TtsBackend startBackend() throws Exception {
    return new Cached(OpenAiSpeechBackends.start());
  }

  /** The OpenAI speech backend, its provider wrapped by an in-memory TTS cache. */
  static final class Cached implements TtsBackend {
    private final TtsBackend inner;
    private final TtsProvider cached;

    Cached(TtsBackend inner) {
      this.inner = inner;
      this.cached = TtsCache.inMemory().wrap(inner.provider(), PipelineObserver.NONE);
    }

    @Override
    public TtsProvider provider() {
      return cached;
    }

    @Override
    public String credential() {
      return inner.credential();
    }

    @Override
    public void speak(String text, List<byte[]> pieces) {
      inner.speak(text, pieces);
    }

    @Override
    public void speakThenStall(String text, List<byte[]> pieces, CountDownLatch release) {
      inner.speakThenStall(text, pieces, release);
    }

    @Override
    public void cutOff(String text, List<byte[]> pieces) {
      inner.cutOff(text, pieces);
    }

    @Override
    public void fail(String text, int status, String message) {
      inner.fail(text, status, message);
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
