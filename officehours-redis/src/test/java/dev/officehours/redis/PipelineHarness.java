package dev.officehours.redis;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.CacheStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.history.ConversationStore;
import dev.officehours.metrics.MetricsSnapshot;
import dev.officehours.metrics.MicrometerObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;

/** One app instance: a pipeline over the fake providers, caching in {@code store}, with metrics. */
final class PipelineHarness implements AutoCloseable {
  final MicrometerObserver metrics = new MicrometerObserver(new SimpleMeterRegistry());
  final ConversationPipeline pipeline;

  PipelineHarness(FaqLlm llm, PcmTts tts, CacheStore store, OfficeHoursRedis redis, boolean statelessFaq) {
    this(llm, tts, store, null, redis, statelessFaq);
  }

  /** With {@code history} as the conversation store (its errors are not in {@link #metrics}). */
  PipelineHarness(FaqLlm llm, PcmTts tts, CacheStore store, ConversationStore history) {
    this(llm, tts, store, history, null, false);
  }

  private PipelineHarness(FaqLlm llm, PcmTts tts, CacheStore store, ConversationStore history,
      OfficeHoursRedis redis, boolean statelessFaq) {
    this.pipeline = ConversationPipeline.builder()
        .llm(llm)
        .tts(tts)
        .ttsCache(TtsCache.builder(store).build())
        .answerCache(AnswerCache.builder(store).statelessFaq(statelessFaq).build())
        .conversationStore(history != null ? history : RedisConversationStore.builder(redis).observer(metrics).build())
        .observer(metrics)
        .build();
  }

  /** What a turn produced: its result and every audio byte in order. */
  record Said(TurnResult result, byte[] audio) {}

  Said say(String session, String text) throws Exception {
    ByteArrayOutputStream audio = new ByteArrayOutputStream();
    TurnListener listener = new TurnListener() {
      @Override
      public void onAudio(AudioFrame frame) {
        synchronized (audio) {
          audio.write(frame.data(), 0, frame.data().length);
        }
      }
    };
    TurnResult result = pipeline.start(TurnRequest.of(session, text), listener)
        .completion().get(20, TimeUnit.SECONDS);
    synchronized (audio) {
      return new Said(result, audio.toByteArray());
    }
  }

  MetricsSnapshot.CacheStats cache(String name) {
    return metrics.snapshot().caches().getOrDefault(name, new MetricsSnapshot.CacheStats(0, 0, 0));
  }

  @Override
  public void close() {
    pipeline.close();
  }
}
