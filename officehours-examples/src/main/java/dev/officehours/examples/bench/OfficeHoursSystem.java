package dev.officehours.examples.bench;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.TurnCancelled;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.openai.ProviderHttpClient;
import dev.officehours.tts.AudioFormat;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** (a) OfficeHours: the real OpenAI providers in a {@link ConversationPipeline}. */
final class OfficeHoursSystem implements VoiceSystem {
  private final ConversationPipeline pipeline;
  private final AtomicLong sessions = new AtomicLong();
  private final boolean caches;
  private final okhttp3.OkHttpClient http;

  OfficeHoursSystem(String baseUrl, int concurrency, boolean caches) {
    this.caches = caches;
    // As docs/providers.md tells a user to: one client for both providers, sized for the turns
    // served at once (the shared default keeps 1,024 idle connections, about 250 turns' worth).
    this.http = ProviderHttpClient.builder().concurrentTurns(Math.max(1, concurrency)).build();
    OpenAiChat chat = OpenAiChat.builder().baseUrl(baseUrl).apiKey(BenchSettings.API_KEY)
        .model(BenchSettings.CHAT_MODEL).retryPolicy(RetryPolicy.NONE).httpClient(http).build();
    OpenAiSpeech speech = OpenAiSpeech.builder().baseUrl(baseUrl).apiKey(BenchSettings.API_KEY)
        .model(BenchSettings.SPEECH_MODEL).voice(BenchSettings.VOICE).format(AudioFormat.PCM_24K)
        .retryPolicy(RetryPolicy.NONE).httpClient(http).build();
    ConversationPipeline.Builder b = ConversationPipeline.builder().llm(chat).tts(speech)
        .systemPrompt(BenchSettings.SYSTEM_PROMPT).turnDeadline(Duration.ofSeconds(60))
        // By default speech runs at most 15 s ahead of playback, so that a barge-in wastes little
        // synthesis; the other systems synthesise everything at once, so for the same total time
        // to the last byte this one may too.
        .speechLookahead(Duration.ofMinutes(5));
    if (caches) {
      b.ttsCache(TtsCache.inMemory());
      b.answerCache(AnswerCache.builder(CaffeineCacheStore.create()).statelessFaq(true).build());
    }
    this.pipeline = b.build();
  }

  @Override
  public String id() {
    return "a";
  }

  @Override
  public String label() {
    return "OfficeHours (OpenAiChat + OpenAiSpeech in a ConversationPipeline" + (caches ? ", TTS and answer caches" : "") + ")";
  }

  @Override
  public void turn(String question, TurnProbe probe) {
    try {
      pipeline.start(TurnRequest.of("bench-" + sessions.incrementAndGet(), question), new TurnListener() {
        @Override
        public void onAudio(AudioFrame frame) {
          probe.audio(frame.data().length);
        }

        @Override
        public void onComplete(TurnResult result) {
          probe.complete();
        }

        @Override
        public void onError(TurnFailed failed) {
          probe.fail(failed.error());
        }

        @Override
        public void onCancelled(TurnCancelled cancelled) {
          probe.fail(new IllegalStateException("cancelled"));
        }
      });
    } catch (OfficeHoursException e) {
      probe.fail(e);
    }
  }

  @Override
  public void close() {
    pipeline.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
