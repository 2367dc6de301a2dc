package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import dev.officehours.metrics.TurnOutcome;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hung Redis: a real redis-server frozen with SIGSTOP (its port still takes connections and
 * bytes, nothing is answered), then continued with SIGCONT or killed and restarted.
 */
@ExtendWith(RedisExtension.class)
class HungRedisTest {
  private static final Duration TIMEOUT = Duration.ofMillis(250);
  /** A fail-fast lookup takes microseconds; half the timeout is a bound no loaded machine misses. */
  private static final long FAST_MILLIS = TIMEOUT.toMillis() / 2;

  private final FaqLlm llm = new FaqLlm();
  private final PcmTts tts = new PcmTts();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    llm.close();
    tts.close();
  }

  /** A connection whose clock re-sync cannot fire during the test and add a timeout of its own. */
  private OfficeHoursRedis connect(RedisServerProcess server) {
    OfficeHoursRedis redis = OfficeHoursRedis.builder(server.uri())
        .commandTimeout(TIMEOUT)
        .clockSyncInterval(Duration.ofHours(1))
        .build();
    closing.add(redis);
    return redis;
  }

  private static List<HistoryMessage> pair(String question, String answer) {
    Instant now = Instant.now();
    return List.of(new HistoryMessage(ChatMessage.Role.USER, question, false, now),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, answer, false, now));
  }

  private static Throwable failureOf(CompletableFuture<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return RecordedLookups.unwrap(e);
  }

  private static long ttfaMillis(PipelineHarness.Said said) {
    return said.result().metrics().timeToFirstAudio().orElseThrow().toMillis();
  }

  @Test
  void aHungRedisCostsATurnOneTimeoutAndItsOtherLookupsFailFast(RedisServerProcess server) throws Exception {
    OfficeHoursRedis redis = connect(server);
    RecordedLookups recorded = new RecordedLookups();
    // failOpen(false): the history store's failures reach the recorder (the pipeline still goes on)
    PipelineHarness app = new PipelineHarness(llm, tts, recorded.cache(redis.cacheStore()),
        recorded.history(RedisConversationStore.builder(redis).failOpen(false).build()));
    closing.add(app);
    app.say("warm-up", "A question to warm up on?");
    List<Long> healthy = new ArrayList<>();
    for (int i = 0; i < 3; i++) { // new questions: every lookup is a miss Redis answers
      healthy.add(ttfaMillis(app.say("healthy-" + i, "Healthy question " + i + "?")));
    }
    recorded.awaitWrites(Duration.ofSeconds(5)); // nothing of ours still on the wire
    recorded.take();
    RedisLink link = redis.link();
    long timeoutsBefore = link.timeouts.sum();

    server.pause();
    List<Long> hung = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      PipelineHarness.Said said = app.say("hung-" + i, "Question while Redis is hung " + i + "?");
      assertEquals(TurnOutcome.COMPLETED, said.result().outcome());
      hung.add(ttfaMillis(said));
      List<RecordedLookups.Lookup> lookups = recorded.take();
      assertTrue(lookups.size() >= 3, "history, answer cache and at least one TTS chunk: " + lookups);
      long timedOut = lookups.stream().filter(RecordedLookups.Lookup::timedOut).count();
      assertEquals(i == 0 ? 1 : 0, timedOut,
          "the first turn pays one timeout and later turns none: " + lookups);
      for (RecordedLookups.Lookup lookup : lookups) {
        if (!lookup.timedOut()) {
          assertTrue(lookup.failedFast(), "failed without being sent: " + lookup);
          assertTrue(lookup.millis() < FAST_MILLIS, "failed fast: " + lookup);
        }
      }
    }
    assertEquals(timeoutsBefore + 1, link.timeouts.sum(), "one command in all waited the whole timeout");
    assertFalse(redis.isAvailable());

    server.resume();
    Await.until(Duration.ofSeconds(10), "a probe finds Redis answering again", redis::isAvailable);
    PipelineHarness.Said back = app.say("back", "Healthy question 0?");
    assertTrue(back.result().answerFromCache(), "cached before the stall, read again after it");
    assertTrue(recorded.take().stream().allMatch(l -> l.failure() == null), "every lookup answered");

    System.out.printf("TTFA with Redis healthy: %s ms; with Redis hung (SIGSTOP, %d ms command timeout): %s ms "
        + "(first turn pays the one timeout, later turns fail fast)%n", healthy, TIMEOUT.toMillis(), hung);
  }

  @Test
  void aWriteReportedDroppedWhileRedisIsHungIsNotAppliedWhenItResumes(RedisServerProcess server) throws Exception {
    OfficeHoursRedis redis = connect(server);
    RedisCacheStore store = redis.cacheStore();
    RedisConversationStore history = RedisConversationStore.builder(redis).failOpen(false).build();
    store.put("kept", new byte[] {1}, Duration.ofMinutes(5)).get(5, TimeUnit.SECONDS);
    RedisClient plain = RedisClient.create(server.uri()); // the control: an ordinary, unguarded write
    closing.add(plain::shutdown);
    StatefulRedisConnection<String, String> control = plain.connect();

    long scriptsBefore = scriptsRun(control);
    Matcher version = Pattern.compile("redis_version:(\\S+)").matcher(control.sync().info("server"));
    System.out.println("write deadlines checked against redis-server " + (version.find() ? version.group(1) : "?"));

    server.pause();
    CompletableFuture<Void> put = store.put("doomed", new byte[] {2}, Duration.ofMinutes(5));
    CompletableFuture<Void> append = history.append("doomed-session", pair("q", "a"));
    CompletableFuture<Void> delete = store.delete("kept");
    RedisFuture<String> unguarded = control.async().set("unguarded", "v");
    for (CompletableFuture<Void> write : List.of(put, append, delete)) {
      assertInstanceOf(RedisCommandTimeoutException.class, failureOf(write), "reported failed by timeout");
    }
    assertFalse(unguarded.isDone(), "the control write is still waiting on the hung server");

    server.resume();
    assertEquals("OK", unguarded.get(5, TimeUnit.SECONDS), "an ordinary write sent during the stall lands after it");
    // the probe that reopens the gate went out on the same connection after the writes, and Redis
    // answers one connection in order: once it is answered, the writes were executed (or not)
    Await.until(Duration.ofSeconds(10), "a probe finds Redis answering again", redis::isAvailable);
    assertEquals(":1", server.command("EXISTS unguarded"), "the control landed late");
    assertEquals(":0", server.command("EXISTS officehours:cache:doomed"), "the dropped SET did not land");
    assertEquals(":0", server.command("EXISTS officehours:history:doomed-session"), "the dropped append did not land");
    assertEquals(":1", server.command("EXISTS officehours:cache:kept"), "the dropped DEL did not land");
    assertEquals(scriptsBefore + 3, scriptsRun(control),
        "Redis did run the three writes once it resumed: their deadline check declined them");

    store.put("after", new byte[] {3}, Duration.ofMinutes(5)).get(5, TimeUnit.SECONDS);
    assertEquals(Optional.of(3), store.get("after").get(5, TimeUnit.SECONDS).map(b -> (int) b[0]),
        "writes apply again once Redis answers");
  }

  @Test
  void aReplacementReportedFailedNeverLandsLater(RedisServerProcess server) throws Exception {
    OfficeHoursRedis redis = connect(server);
    RedisConversationStore history = RedisConversationStore.builder(redis).failOpen(false).build();
    history.append("s", pair("q", "a in full")).get(5, TimeUnit.SECONDS);
    RedisClient plain = RedisClient.create(server.uri());
    closing.add(plain::shutdown);
    StatefulRedisConnection<String, String> control = plain.connect();
    long scriptsBefore = scriptsRun(control);

    server.pause();
    CompletableFuture<Boolean> replace = history.replaceLastAnswer("s", "a in full",
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "a", true, Instant.now()));
    assertInstanceOf(RedisCommandTimeoutException.class, failureOf(replace), "reported failed by timeout");

    server.resume();
    Await.until(Duration.ofSeconds(10), "a probe finds Redis answering again", redis::isAvailable);
    assertEquals(scriptsBefore + 1, scriptsRun(control), "Redis ran the replacement once it resumed");
    List<HistoryMessage> kept = history.load("s").get(5, TimeUnit.SECONDS);
    assertEquals("a in full", kept.get(1).text(), "its deadline check declined it");
    assertFalse(kept.get(1).interrupted());
  }

  /** How many EVALs Redis has executed, from its own statistics. */
  private static long scriptsRun(StatefulRedisConnection<String, String> c) {
    Matcher m = Pattern.compile("cmdstat_eval:calls=(\\d+)").matcher(c.sync().info("commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  @Test
  void aHungRedisThatIsKilledAndRestartedIsUsedAgain(RedisServerProcess server) throws Exception {
    OfficeHoursRedis redis = connect(server);
    RedisCacheStore store = redis.cacheStore();
    RedisConversationStore history = RedisConversationStore.builder(redis).failOpen(false).build();

    server.pause();
    assertInstanceOf(RedisCommandTimeoutException.class, failureOf(store.get("k")));
    assertInstanceOf(RedisUnavailableException.class, failureOf(store.get("k")), "the gate is closed");
    server.kill();
    assertInstanceOf(RedisUnavailableException.class, failureOf(history.load("s")));

    server.start(); // empty: it kept no data
    Await.until(Duration.ofSeconds(10), "Redis is used again after the restart", redis::isAvailable);
    store.put("k", new byte[] {7}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);
    assertEquals(Optional.of(7), store.get("k").get(5, TimeUnit.SECONDS).map(b -> (int) b[0]));
    history.append("s", pair("q", "a")).get(5, TimeUnit.SECONDS);
    assertEquals(2, history.load("s").get(5, TimeUnit.SECONDS).size());
  }
}
