package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.metrics.TurnOutcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An app that boots while Redis is down serves without it, and uses Redis once it comes up. */
class RedisAtStartupTest {

  @Test
  void anAppStartedWhileRedisIsDownServesTurnsAndUsesRedisOnceItIsUp() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.notStartedOnFreePort();
        FaqLlm llm = new FaqLlm();
        PcmTts tts = new PcmTts();
        OfficeHoursRedis redis = OfficeHoursRedis.connect(server.uri());
        PipelineHarness app = new PipelineHarness(llm, tts, redis.cacheStore(), redis, false)) {
      assertFalse(redis.isConnected());
      assertFalse(redis.isAvailable());

      for (int i = 0; i < 3; i++) {
        PipelineHarness.Said said = app.say("early-" + i, "What are your office hours?");
        assertEquals(TurnOutcome.COMPLETED, said.result().outcome(), "turn " + i + " before Redis is up");
        assertFalse(said.result().answerFromCache());
      }
      assertEquals(3, llm.calls.get(), "nothing was cached while Redis was down");
      assertTrue(app.cache("history").errors() >= 3, "history loads failed: " + app.cache("history"));
      assertTrue(app.cache("answer").errors() > 0, "cache lookups failed: " + app.cache("answer"));
      assertEquals(0, redis.link().timeouts.sum(), "every lookup failed at once, none waited for a timeout");

      server.start();
      Await.until(Duration.ofSeconds(10), "Redis joins once it is up", redis::isAvailable);
      assertTrue(redis.isConnected());

      assertEquals(TurnOutcome.COMPLETED, app.say("visitor", "What are your office hours?").result().outcome());
      PipelineHarness.Said second = app.say("another-visitor", "what are your office hours");
      assertTrue(second.result().answerFromCache(), "the answer came from Redis");
      assertEquals(second.result().metrics().chunks(), second.result().metrics().ttsCacheHits(),
          "and every chunk's audio too");
      List<HistoryMessage> history = redis.conversationStore().load("visitor").get(5, TimeUnit.SECONDS);
      assertEquals(2, history.size(), "the turn's history was persisted: " + history);
    }
  }

  @Test
  void aFailedFirstConnectionNeverShowsThePassword() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.notStartedOnFreePort();
        OfficeHoursRedis redis = OfficeHoursRedis.connect("redis://:hunter2@127.0.0.1:" + server.port())) {
      Throwable failure = redis.link().lastConnectFailure();
      assertNotNull(failure, "the first attempt failed");
      for (Throwable t = failure; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains("hunter2"), t.toString());
      }
      assertFalse(redis.toString().contains("hunter2"), redis.toString());
    }
  }
}
