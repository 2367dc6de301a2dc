package dev.officehours.examples.load;

import dev.officehours.ConversationPipeline;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.examples.Args;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import dev.officehours.examples.tools.OfficeHoursCalendar;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.tts.AudioFormat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process target: a {@link SimulatedOpenAiServer} on loopback and a
 * {@link ConversationPipeline} with the real {@link OpenAiChat} and {@link OpenAiSpeech} providers
 * pointed at it. It measures the pipeline and the providers' HTTP stack against a model and a
 * voice whose timing is known.
 */
final class InProcessTarget {
  private InProcessTarget() {}

  /**
   * The settings of the in-process target.
   *
   * @param ttft the simulated model's time to first token
   * @param tokenInterval its mean delay between tokens
   * @param tokenJitter how much each delay varies either way
   * @param answerWords answer length in words, 0 for the knowledge base's natural length
   * @param ttsTtfb the simulated voice's time to first byte
   * @param ttsRealTimeFactor synthesis time over audio duration
   * @param faultRate share of chat requests that fail
   * @param ttsFaultRate share of speech requests that fail
   * @param seed seeds the fault draws
   * @param retries provider retries per call
   * @param ttsConcurrency syntheses in flight per turn
   * @param turnTimeout the pipeline's turn deadline
   * @param ttsCache whether the pipeline has an in-memory TTS cache
   * @param answerCache whether it has an in-memory answer cache (keyed without the conversation,
   *     as for an FAQ, so that repeated questions from different load-test clients can hit)
   * @param tools whether the pipeline has the example server's office-hours tool and filler, as the
   *     server's demo pipeline does (a question about office hours then takes a tool round)
   */
  record Options(Duration ttft, Duration tokenInterval, Duration tokenJitter, int answerWords, Duration ttsTtfb,
      double ttsRealTimeFactor, double faultRate, double ttsFaultRate, long seed, int retries, int ttsConcurrency,
      Duration turnTimeout, boolean ttsCache, boolean answerCache, boolean tools) {}

  /**
   * Reads the target's flags.
   *
   * @param args the parsed flags
   * @param seed the run's seed
   * @return the options
   * @throws Args.UsageException naming the flag, when a value is malformed
   */
  static Options options(Args args, long seed) {
    return options(args, defaults(seed));
  }

  /**
   * The settings {@code loadtest} uses for the flags it is not given.
   *
   * @param seed the run's seed
   * @return the defaults: TTFT 300 ms, a token every 20 ± 5 ms, natural answers, TTS TTFB 200 ms,
   *     real-time factor 0.25, no faults, no retries, 3 syntheses in flight, a 30 s turn deadline, no caches
   */
  static Options defaults(long seed) {
    return new Options(Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofMillis(5), 0, Duration.ofMillis(200),
        0.25, 0, 0, seed, 0, 3, Duration.ofSeconds(30), false, false, false);
  }

  /**
   * Reads the target's flags, with other defaults (the soak's faster timing and its faults).
   *
   * @param args the parsed flags
   * @param d the value of each setting whose flag was not given (its seed is the run's)
   * @return the options
   * @throws Args.UsageException naming the flag, when a value is malformed
   */
  static Options options(Args args, Options d) {
    return new Options(
        args.getDuration("llm-ttft", d.ttft()),
        args.getDuration("token-interval", d.tokenInterval()),
        args.getDuration("token-jitter", d.tokenJitter()),
        args.getInt("answer-words", d.answerWords(), 0, 10_000),
        args.getDuration("tts-ttfb", d.ttsTtfb()),
        args.getDouble("tts-realtime-factor", d.ttsRealTimeFactor(), 0, 10),
        args.getFraction("fault-rate", d.faultRate()),
        args.getFraction("tts-fault-rate", d.ttsFaultRate()),
        d.seed(),
        args.getInt("retries", d.retries(), 0, 10),
        args.getInt("tts-concurrency", d.ttsConcurrency(), 1, 32),
        args.getDuration("turn-timeout", d.turnTimeout()),
        args.has("tts-cache") || d.ttsCache(),
        args.has("answer-cache") || d.answerCache(),
        args.has("tools") || d.tools());
  }

  /**
   * Starts the simulated server and a pipeline over it.
   *
   * @param o the settings
   * @return the target; closing it stops both
   */
  static PipelineTarget create(Options o) {
    return create(o, PipelineObserver.NONE);
  }

  /**
   * Starts the simulated server and a pipeline over it that tells {@code observer} about every turn.
   *
   * @param o the settings
   * @param observer added to the pipeline (the soak counts the errors the providers pass on with it)
   * @return the target; closing it stops both
   */
  static PipelineTarget create(Options o, PipelineObserver observer) {
    SimulatedOpenAiServer sim = SimulatedOpenAiServer.builder()
        .timeToFirstToken(o.ttft()).tokenInterval(o.tokenInterval()).tokenJitter(o.tokenJitter())
        .answerWords(o.answerWords()).ttsTimeToFirstByte(o.ttsTtfb()).ttsRealTimeFactor(o.ttsRealTimeFactor())
        .faultRate(o.faultRate()).ttsFaultRate(o.ttsFaultRate()).seed(o.seed())
        .start();
    try {
      RetryPolicy retry = o.retries() == 0 ? RetryPolicy.NONE
          : new RetryPolicy(o.retries(), Duration.ofMillis(100), Duration.ofSeconds(2));
      OpenAiChat chat = OpenAiChat.builder().baseUrl(sim.baseUrl()).apiKey("sk-simulated")
          .model(SimulatedOpenAiServer.MODEL).retryPolicy(retry).build();
      OpenAiSpeech speech = OpenAiSpeech.builder().baseUrl(sim.baseUrl()).apiKey("sk-simulated")
          .model(SimulatedOpenAiServer.MODEL + "-tts").voice("alloy").format(AudioFormat.PCM_24K)
          .retryPolicy(retry).build();
      ConversationPipeline.Builder builder = ConversationPipeline.builder()
          .llm(chat).tts(speech).ttsConcurrency(o.ttsConcurrency()).turnDeadline(o.turnTimeout());
      if (observer != PipelineObserver.NONE) {
        builder.observer(observer);
      }
      if (o.tools()) {
        OfficeHoursCalendar.addTo(builder, true);
      }
      if (o.ttsCache()) {
        builder.ttsCache(TtsCache.inMemory());
      }
      if (o.answerCache()) {
        builder.answerCache(AnswerCache.builder(CaffeineCacheStore.create()).statelessFaq(true).build());
      }
      ConversationPipeline pipeline = builder.build();
      String description = String.format(Locale.ROOT,
          "in-process pipeline (OpenAiChat + OpenAiSpeech) over the simulated OpenAI-compatible server: "
              + "TTFT %d ms, token every %d±%d ms, %s, TTS TTFB %d ms, TTS real-time factor %.2f, "
              + "fault rate %.1f %% (TTS %.1f %%); TTS cache %s, answer cache %s%s",
          o.ttft().toMillis(), o.tokenInterval().toMillis(), o.tokenJitter().toMillis(),
          o.answerWords() == 0 ? "natural answer length" : o.answerWords() + "-word answers", o.ttsTtfb().toMillis(),
          o.ttsRealTimeFactor(), 100 * o.faultRate(), 100 * o.ttsFaultRate(), o.ttsCache() ? "on" : "off",
          o.answerCache() ? "on (FAQ keys)" : "off",
          o.tools() ? "; the example server's office-hours tool" : "");
      AtomicLong scheduledWrites = new AtomicLong();
      AtomicLong stalledWrites = new AtomicLong();
      return new PipelineTarget(pipeline, description, () -> {
        SimulatedOpenAiServer.Stats s = sim.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("simulatedChatRequests", s.chatRequests());
        m.put("simulatedSpeechRequests", s.speechRequests());
        m.put("injectedFaults", s.faults());
        // Whether the simulator kept its own schedule. Read before and after the measured run, and
        // reset by each read, so the percentiles after it are the run's alone; the counts add up.
        SimulatedOpenAiServer.Lateness late = sim.lateness();
        stalledWrites.addAndGet(sim.stalledWrites());
        sim.resetLateness();
        m.put("simulatorScheduledWrites", scheduledWrites.addAndGet(late.writes()));
        m.put("simulatorStalledWrites", stalledWrites.get());
        m.put("simulatorLatenessP50Ms", hundredths(late.p50Millis()));
        m.put("simulatorLatenessP99Ms", hundredths(late.p99Millis()));
        m.put("simulatorLatenessP999Ms", hundredths(late.p999Millis()));
        m.put("simulatorLatenessMaxMs", hundredths(late.maxMillis()));
        // with connection reuse a small fraction of the requests: per turn, it tells whether the providers pool
        m.put("simulatorConnectionsOpened", sim.connectionsOpened());
        return m;
      }, List.of(sim));
    } catch (RuntimeException e) {
      sim.close();
      throw e;
    }
  }

  private static double hundredths(double millis) {
    return Math.round(millis * 100) / 100.0;
  }
}
