package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.metrics.TurnOutcome;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TieredCacheStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Whole pipelines over fake providers, caching in a real Redis the test starts and stops. */
@ExtendWith(RedisExtension.class)
class PipelineCachingTest {
  private final FaqLlm llm = new FaqLlm();
  private final PcmTts tts = new PcmTts();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void reset() {
    closing.clear();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    llm.close();
    tts.close();
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    closing.add(resource);
    return resource;
  }

  /** An app instance with its own connection and its own L1 in front of the shared Redis. */
  private PipelineHarness instance(RedisServerProcess server, boolean withL1) {
    OfficeHoursRedis redis = closeLater(OfficeHoursRedis.connect(server.uri()));
    var store = withL1 ? TieredCacheStore.of(CaffeineCacheStore.create(), redis.cacheStore()) : redis.cacheStore();
    return closeLater(new PipelineHarness(llm, tts, store, redis, false));
  }

  @Test
  void twoPipelinesSharingOneRedisGetEachOthersHits(RedisServerProcess server) throws Exception {
    PipelineHarness a = instance(server, true);
    PipelineHarness b = instance(server, true);

    PipelineHarness.Said first = a.say("visitor-a", "What are your office hours?");
    assertEquals(TurnOutcome.COMPLETED, first.result().outcome());
    int synthesised = tts.calls.get();
    assertTrue(synthesised >= 2, "the answer was spoken in chunks: " + synthesised);
    assertEquals(1, llm.calls.get());

    PipelineHarness.Said second = b.say("visitor-b", "what are your office hours");
    assertEquals(TurnOutcome.COMPLETED, second.result().outcome());
    assertTrue(second.result().answerFromCache(), "B got A's answer through Redis");
    assertEquals(1, llm.calls.get());
    assertEquals(synthesised, tts.calls.get(), "B synthesised nothing");
    assertEquals(first.result().metrics().chunks(), second.result().metrics().ttsCacheHits());
    assertEquals(synthesised, b.cache("tts").hits());
    assertArrayEquals(first.audio(), second.audio(), "the same audio, byte for byte");
  }

  @Test
  void redisStoppedMidRunEveryTurnCompletesErrorsRiseAndHitsResumeAfterRestart(RedisServerProcess server)
      throws Exception {
    PipelineHarness app = instance(server, false); // no L1: every hit must come from Redis
    for (int i = 0; i < 6; i++) {
      assertEquals(TurnOutcome.COMPLETED, app.say("s" + i, "Question " + (i % 3) + "?").result().outcome());
    }
    assertTrue(app.cache("tts").hits() > 0);
    assertEquals(0, app.cache("tts").errors());

    server.stop();
    int llmBefore = llm.calls.get();
    for (int i = 0; i < 6; i++) {
      PipelineHarness.Said said = app.say("down" + i, "Question " + (i % 3) + "?");
      assertEquals(TurnOutcome.COMPLETED, said.result().outcome(), "turn " + i + " with Redis down");
      assertEquals(PcmTts.pcmFor("x").length * said.result().metrics().chunks(), said.audio().length,
          "every chunk was spoken live");
    }
    assertEquals(llmBefore + 6, llm.calls.get(), "with Redis down every answer came from the LLM");
    assertTrue(app.cache("tts").errors() > 0, "tts errors: " + app.cache("tts"));
    assertTrue(app.cache("answer").errors() > 0, "answer errors: " + app.cache("answer"));
    assertTrue(app.cache("history").errors() > 0, "history errors: " + app.cache("history"));

    server.start(); // empty: it kept no data
    long restarted = System.nanoTime();
    Duration resumed = Await.until(Duration.ofSeconds(5), "TTS hits from Redis resume after restart", () -> {
      try {
        return app.say("back", "Question after the restart?").result().metrics().ttsCacheHits() > 0;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    System.out.printf("TTS hits from Redis resumed %d ms after the restart%n",
        Duration.ofNanos(System.nanoTime() - restarted).toMillis());
    assertTrue(resumed.compareTo(Duration.ofSeconds(5)) < 0);
  }
}
