package com.example.voice;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.TextDelta;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.CacheStore;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TieredCacheStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.redis.OfficeHoursRedis;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A first app as a user writes it from README: one spoken answer, caches shared through Redis. */
public final class FirstVoiceApp {
  private FirstVoiceApp() {
  }

  /**
   * Asks one question and writes the spoken answer as raw PCM.
   *
   * @param args the question, then the output file
   * @throws Exception when the turn fails
   */
  public static void main(String[] args) throws Exception {
    ByteArrayOutputStream pcm = new ByteArrayOutputStream();
    try (OfficeHoursRedis redis = OfficeHoursRedis.connect(System.getenv().getOrDefault("REDIS_URL", "redis://localhost:6379"))) {
      CacheStore store = TieredCacheStore.of(CaffeineCacheStore.create(), redis.cacheStore());
      try (ConversationPipeline pipeline = ConversationPipeline.builder()
          .llm(OpenAiChat.fromEnvironment())
          .tts(OpenAiSpeech.fromEnvironment())
          .ttsCache(TtsCache.builder(store).build())
          .answerCache(AnswerCache.builder(store).build())
          .conversationStore(redis.conversationStore())
          .build()) {
        TurnResult result = pipeline.start(TurnRequest.of("first-app", args[0]), new TurnListener() {
          @Override
          public void onText(TextDelta delta) {
            System.out.print(delta.text());
          }

          @Override
          public void onAudio(AudioFrame frame) {
            pcm.writeBytes(frame.data());
          }

          @Override
          public void onError(TurnFailed failed) {
            System.err.println(failed.error().getMessage());
          }
        }).completion().join();
        System.out.println();
        System.out.println(result.metrics());
      }
    }
    Files.write(Path.of(args[1]), pcm.toByteArray());
  }
}
