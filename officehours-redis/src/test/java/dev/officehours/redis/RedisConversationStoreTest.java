package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class RedisConversationStoreTest {
  private OfficeHoursRedis redis;

  @BeforeEach
  void connect(RedisServerProcess server) {
    redis = OfficeHoursRedis.connect(server.uri());
  }

  @AfterEach
  void close() {
    redis.close();
  }

  private static List<HistoryMessage> pair(String question, String answer) {
    Instant now = Instant.now();
    return List.of(new HistoryMessage(ChatMessage.Role.USER, question, false, now),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, answer, false, now));
  }

  private static List<HistoryMessage> load(RedisConversationStore store, String session) throws Exception {
    return store.load(session).get(5, TimeUnit.SECONDS);
  }

  @Test
  void messagesRoundTripExactlyInOrder() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    Instant at = Instant.parse("2026-11-24T07:30:00.123456789Z");
    List<HistoryMessage> messages = List.of(
        new HistoryMessage(ChatMessage.Role.USER, "Grüße — wann habt ihr offen? 🙂", false, at),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "Von neun bis fünf.", true, at.plusSeconds(1)));
    store.append("s1", messages).get(5, TimeUnit.SECONDS);
    assertEquals(messages, load(store, "s1"));
    assertEquals(List.of(), load(store, "unknown"));
  }

  @Test
  void eachSessionIsBoundedOldestDroppedFirst() throws Exception {
    RedisConversationStore store = RedisConversationStore.builder(redis).maxMessages(4).build();
    for (int i = 1; i <= 5; i++) {
      store.append("s", pair("q" + i, "a" + i)).get(5, TimeUnit.SECONDS);
    }
    List<String> texts = load(store, "s").stream().map(HistoryMessage::text).toList();
    assertEquals(List.of("q4", "a4", "q5", "a5"), texts);
  }

  @Test
  void useRefreshesTheIdleTimerAndAnIdleSessionIsForgotten(RedisServerProcess server) throws Exception {
    RedisConversationStore store = RedisConversationStore.builder(redis).idleTimeout(Duration.ofMillis(800)).build();
    store.append("s", pair("q", "a")).get(5, TimeUnit.SECONDS);
    server.command("PEXPIRE officehours:history:s 100000"); // pretend much time is left
    load(store, "s");
    long ttl = Long.parseLong(server.command("PTTL officehours:history:s").substring(1));
    assertTrue(ttl > 0 && ttl <= 800, "a load sets the idle timer back to 800 ms, was " + ttl);

    server.command("PEXPIRE officehours:history:s 100000");
    store.append("s", pair("q2", "a2")).get(5, TimeUnit.SECONDS);
    ttl = Long.parseLong(server.command("PTTL officehours:history:s").substring(1));
    assertTrue(ttl > 0 && ttl <= 800, "an append sets the idle timer back to 800 ms, was " + ttl);

    Await.until(Duration.ofSeconds(5), "the idle session is forgotten", () -> {
      try {
        return ":0".equals(server.command("EXISTS officehours:history:s"));
      } catch (RuntimeException e) {
        return false;
      }
    });
    assertEquals(List.of(), load(store, "s"));
  }

  @Test
  void concurrentAppendsKeepEachPairTogether(RedisServerProcess server) throws Exception {
    // a burst of 300 appends on a busy 2-core machine: a longer timeout, and failures surface
    try (OfficeHoursRedis patient = OfficeHoursRedis.builder(server.uri()).commandTimeout(Duration.ofSeconds(3)).build();
        OfficeHoursRedis otherMachine = OfficeHoursRedis.builder(server.uri()).commandTimeout(Duration.ofSeconds(3)).build()) {
      RedisConversationStore writer = RedisConversationStore.builder(patient).maxMessages(2000).failOpen(false).build();
      RedisConversationStore reader = RedisConversationStore.builder(otherMachine).maxMessages(2000).build();
      CompletableFuture<List<List<HistoryMessage>>> reads = CompletableFuture.supplyAsync(() -> {
        List<List<HistoryMessage>> seen = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          seen.add(reader.load("busy").join());
        }
        return seen;
      });
      List<CompletableFuture<Void>> appends = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        appends.add(writer.append("busy", pair("q" + i, "a" + i)));
      }
      CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      List<List<HistoryMessage>> seen = new ArrayList<>(reads.get(10, TimeUnit.SECONDS));
      seen.add(load(reader, "busy"));
      for (List<HistoryMessage> snapshot : seen) {
        assertEquals(0, snapshot.size() % 2, "a reader never sees half a pair");
        for (int i = 0; i < snapshot.size(); i += 2) {
          assertEquals(ChatMessage.Role.USER, snapshot.get(i).role());
          assertEquals("a" + snapshot.get(i).text().substring(1), snapshot.get(i + 1).text());
        }
      }
      assertEquals(600, seen.get(seen.size() - 1).size());
    }
  }

  @Test
  void clearForgetsTheSession(RedisServerProcess server) throws Exception {
    RedisConversationStore store = redis.conversationStore();
    store.append("s", pair("q", "a")).get(5, TimeUnit.SECONDS);
    store.clear("s").get(5, TimeUnit.SECONDS);
    assertEquals(List.of(), load(store, "s"));
    assertEquals(":0", server.command("EXISTS officehours:history:s"));
  }

  @Test
  void theNearCacheServesLoadsAndIsInvalidatedByAppendsAndClears(RedisServerProcess server) throws Exception {
    CountingObserver observer = new CountingObserver();
    RedisConversationStore store = RedisConversationStore.builder(redis)
        .nearCache(Duration.ofMinutes(1), 100).observer(observer).build();
    store.append("s", pair("q1", "a1")).get(5, TimeUnit.SECONDS);
    assertEquals(2, load(store, "s").size());
    assertEquals(1, observer.count("miss:history"));

    server.command("DEL officehours:history:s"); // behind the near cache's back
    assertEquals(2, load(store, "s").size(), "served from the near cache");
    assertEquals(1, observer.count("hit:history"));

    store.append("s", pair("q2", "a2")).get(5, TimeUnit.SECONDS);
    assertEquals(List.of("q2", "a2"), load(store, "s").stream().map(HistoryMessage::text).toList(),
        "the append invalidated the near cache, so Redis answered");
    store.clear("s").get(5, TimeUnit.SECONDS);
    assertEquals(List.of(), load(store, "s"));
  }

  @Test
  void whenRedisIsDownHistoryFailsOpenAndCountsErrors(RedisServerProcess server) throws Exception {
    CountingObserver observer = new CountingObserver();
    RedisConversationStore store = RedisConversationStore.builder(redis).observer(observer).build();
    store.append("s", pair("q", "a")).get(5, TimeUnit.SECONDS);
    server.stop();
    assertEquals(List.of(), load(store, "s"), "no history rather than a failed turn");
    store.append("s", pair("q2", "a2")).get(5, TimeUnit.SECONDS); // dropped, not failed
    assertEquals(2, observer.count("error:history"));

    RedisConversationStore strict = RedisConversationStore.builder(redis).failOpen(false).build();
    assertThrows(Exception.class, () -> strict.load("s").get(5, TimeUnit.SECONDS));

    server.start();
    Await.until(Duration.ofSeconds(5), "history works again after restart",
        () -> strict.append("s", pair("q3", "a3")).handle((v, e) -> e == null).join());
    assertEquals(List.of("q3", "a3"), load(store, "s").stream().map(HistoryMessage::text).toList());
  }

  @Test
  void theRoleIsStoredByItsName(RedisServerProcess server) throws Exception {
    redis.conversationStore().append("s", pair("q", "a")).get(5, TimeUnit.SECONDS);
    List<byte[]> stored = raw(server, c -> c.lrange(key("s"), 0, -1));
    assertEquals(HistoryCodec.PLAIN_VERSION, stored.get(1)[0]);
    String asText = new String(stored.get(1), StandardCharsets.ISO_8859_1);
    assertTrue(asText.contains("ASSISTANT"), asText);
  }

  @Test
  void messagesStoredInTheOldOrdinalFormatAreStillRead(RedisServerProcess server) throws Exception {
    Instant at = Instant.parse("2026-11-01T10:00:00.5Z");
    raw(server, c -> c.rpush(key("old"), version1(1, "Wann habt ihr offen?", false, at),
        version1(2, "Von neun bis fünf.", true, at), version1(7, "an ordinal no role ever had", false, at)));
    assertEquals(List.of(new HistoryMessage(ChatMessage.Role.USER, "Wann habt ihr offen?", false, at),
            new HistoryMessage(ChatMessage.Role.ASSISTANT, "Von neun bis fünf.", true, at)),
        load(redis.conversationStore(), "old"), "read as written; the unreadable entry skipped");
  }

  private static HistoryMessage heard(String text) {
    return new HistoryMessage(ChatMessage.Role.ASSISTANT, text, true, Instant.parse("2026-11-24T08:00:00Z"));
  }

  private static boolean replace(RedisConversationStore store, String session, String answer,
      HistoryMessage replacement) throws Exception {
    return store.replaceLastAnswer(session, answer, replacement).get(5, TimeUnit.SECONDS);
  }

  @Test
  void theLastAnswerIsReplacedWhileItIsStillTheLastAnswer() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    store.append("s", pair("When are you open?", "From nine to five. On Saturdays from ten.")).get(5, TimeUnit.SECONDS);
    HistoryMessage heard = heard("From nine to five.");
    assertTrue(replace(store, "s", "From nine to five. On Saturdays from ten.", heard));
    List<HistoryMessage> history = load(store, "s");
    assertEquals(List.of("When are you open?", "From nine to five."), history.stream().map(HistoryMessage::text).toList());
    assertEquals(heard, history.get(1), "stored exactly, marked interrupted");
    assertFalse(replace(store, "s", "From nine to five. On Saturdays from ten.", heard("From")),
        "the stored answer is no longer that text");
    assertEquals(heard, load(store, "s").get(1));
  }

  @Test
  void anAnswerIsNeverReplacedOnceALaterExchangeWasAppended() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    store.append("s", pair("q1", "a1 in full")).get(5, TimeUnit.SECONDS);
    store.append("s", pair("q2", "a2")).get(5, TimeUnit.SECONDS);
    assertFalse(replace(store, "s", "a1 in full", heard("a1")));
    assertEquals(List.of("q1", "a1 in full", "q2", "a2"), load(store, "s").stream().map(HistoryMessage::text).toList());
  }

  @Test
  void anAnswerWithOtherTextIsNotReplaced() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    store.append("s", pair("q", "Von neun bis fünf.")).get(5, TimeUnit.SECONDS);
    for (String other : List.of("Von neun bis fünf", "Von neun bis fünf. ", "von neun bis fünf.", "Von neun", "")) {
      assertFalse(replace(store, "s", other, heard("Von")), "'" + other + "' is not the stored answer");
    }
    assertEquals("Von neun bis fünf.", load(store, "s").get(1).text());
    assertFalse(load(store, "s").get(1).interrupted());
  }

  @Test
  void aUserMessageWithTheAnswersTextIsNotReplaced() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    HistoryMessage question = new HistoryMessage(ChatMessage.Role.USER, "same words", false, Instant.now());
    store.append("s", List.of(question)).get(5, TimeUnit.SECONDS);
    assertFalse(replace(store, "s", "same words", heard("same")));
    assertEquals(List.of(question), load(store, "s"));
  }

  @Test
  void anUnknownSessionIsNotReplacedAndNotCreated(RedisServerProcess server) throws Exception {
    assertFalse(replace(redis.conversationStore(), "unknown", "a", heard("")));
    assertEquals(":0", server.command("EXISTS officehours:history:unknown"));
  }

  @Test
  void aReplacementRefreshesTheIdleTimer(RedisServerProcess server) throws Exception {
    RedisConversationStore store = RedisConversationStore.builder(redis).idleTimeout(Duration.ofMinutes(2)).build();
    store.append("s", pair("q", "a in full")).get(5, TimeUnit.SECONDS);
    server.command("PEXPIRE officehours:history:s 5000"); // pretend the session was idle a while
    assertTrue(replace(store, "s", "a in full", heard("a")));
    long ttl = Long.parseLong(server.command("PTTL officehours:history:s").substring(1));
    assertTrue(ttl > 5000 && ttl <= 120_000, "the replacement set the idle timer back to 2 min, was " + ttl);
  }

  @Test
  void theNearCacheAndAnotherInstanceSeeTheReplacement(RedisServerProcess server) throws Exception {
    CountingObserver observer = new CountingObserver();
    RedisConversationStore store = RedisConversationStore.builder(redis)
        .nearCache(Duration.ofMinutes(1), 100).observer(observer).build();
    store.append("s", pair("q", "a in full")).get(5, TimeUnit.SECONDS);
    assertEquals("a in full", load(store, "s").get(1).text());
    assertEquals("a in full", load(store, "s").get(1).text());
    assertEquals(1, observer.count("hit:history"), "the session is in the near cache");

    assertTrue(replace(store, "s", "a in full", heard("a")));
    assertEquals(heard("a"), load(store, "s").get(1), "the replacement invalidated the near cache");
    try (OfficeHoursRedis otherMachine = OfficeHoursRedis.connect(server.uri())) {
      assertEquals(heard("a"), load(otherMachine.conversationStore(), "s").get(1));
    }
  }

  @Test
  void anAnswerStoredInTheOldOrdinalFormatIsReplaced(RedisServerProcess server) throws Exception {
    Instant at = Instant.parse("2026-11-01T10:00:00Z");
    raw(server, c -> c.rpush(key("old"), version1(1, "Wann?", false, at), version1(2, "Von neun bis fünf.", false, at)));
    RedisConversationStore store = redis.conversationStore();
    assertFalse(replace(store, "old", "Von neun", heard("Von")), "the text is compared whole");
    assertTrue(replace(store, "old", "Von neun bis fünf.", heard("Von neun")));
    assertEquals(List.of(new HistoryMessage(ChatMessage.Role.USER, "Wann?", false, at), heard("Von neun")),
        load(store, "old"));
  }

  @Test
  void anOldFormatQuestionIsNotTakenForAnAnswer(RedisServerProcess server) throws Exception {
    Instant at = Instant.parse("2026-11-01T10:00:00Z");
    raw(server, c -> c.rpush(key("old"), version1(1, "Wann?", false, at)));
    assertFalse(replace(redis.conversationStore(), "old", "Wann?", heard("Wann")));
    assertEquals("Wann?", load(redis.conversationStore(), "old").get(0).text());
  }

  @Test
  void whenRedisIsDownAReplacementFailsOpenAndCountsAnError(RedisServerProcess server) throws Exception {
    CountingObserver observer = new CountingObserver();
    RedisConversationStore store = RedisConversationStore.builder(redis).observer(observer).build();
    store.append("s", pair("q", "a in full")).get(5, TimeUnit.SECONDS);
    server.stop();
    assertFalse(replace(store, "s", "a in full", heard("a")), "not replaced rather than a failure");
    assertEquals(1, observer.count("error:history"));
    RedisConversationStore strict = RedisConversationStore.builder(redis).failOpen(false).build();
    assertThrows(Exception.class, () -> replace(strict, "s", "a in full", heard("a")));
  }

  private static byte[] key(String session) {
    return ("officehours:history:" + session).getBytes(StandardCharsets.UTF_8);
  }

  /** A message as version 1 wrote it: version, role ordinal, flag, seconds, nanos, text. */
  private static byte[] version1(int ordinal, String text, boolean interrupted, Instant at) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeByte(ordinal);
      out.writeBoolean(interrupted);
      out.writeLong(at.getEpochSecond());
      out.writeInt(at.getNano());
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Runs one command on a plain connection of its own, as another program would. */
  private static <T> T raw(RedisServerProcess server,
      Function<RedisCommands<byte[], byte[]>, T> command) {
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
      return command.apply(c.sync());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void theBuilderNamesBadValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RedisConversationStore.builder(redis).maxMessages(1));
    assertTrue(e.getMessage().contains("maxMessages") && e.getMessage().contains("1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RedisConversationStore.builder(redis).idleTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> RedisConversationStore.builder(redis).nearCache(Duration.ofSeconds(5), 0));
  }
}
