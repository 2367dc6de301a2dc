package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ToolCallRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * History in Redis for turns that used tools: the calls and results round-trip exactly, messages
 * without them keep the format the release before tools reads, and only a real answer is ever
 * replaced after barge-in.
 */
@ExtendWith(RedisExtension.class)
class RedisHistoryToolMessagesTest {
  private static final Instant AT = Instant.parse("2026-11-24T08:00:00.123456789Z");
  private static final HistoryMessage QUESTION = new HistoryMessage(ChatMessage.Role.USER,
      "Wann sind morgen Sprechstunden, und buch mir die erste?", false, AT);
  private static final HistoryMessage CALLS = new HistoryMessage(ChatMessage.Role.ASSISTANT,
      "Einen Moment, ich schaue nach…", false, AT.plusSeconds(1), List.of(
          new ToolCallRequest(0, "call_A1", "check_office_hours",
              "{\"day\":\"tomorrow\",\"office\":\"Zürich 東京\"}"),
          new ToolCallRequest(1, "call_B2", "book_slot", ""),
          new ToolCallRequest(7, "", "", "not json at all")), "");
  private static final HistoryMessage CALLS_ONLY = new HistoryMessage(ChatMessage.Role.ASSISTANT,
      "", false, AT.plusSeconds(2), List.of(new ToolCallRequest(0, "call_C3", "book_slot",
          "{\"at\":\"10:00\"}")), "");
  private static final HistoryMessage RESULT_A = tool("call_A1", "{\"slots\":[\"10:00\",\"14:00\"]}");
  private static final HistoryMessage RESULT_B = tool("call_B2", "");
  private static final HistoryMessage ANSWER = new HistoryMessage(ChatMessage.Role.ASSISTANT,
      "Morgen um zehn und um zwei. Ich habe zehn Uhr gebucht.", false, AT.plusSeconds(3));

  private OfficeHoursRedis redis;

  @BeforeEach
  void connect(RedisServerProcess server) {
    redis = OfficeHoursRedis.connect(server.uri());
  }

  @AfterEach
  void close() {
    redis.close();
  }

  private static HistoryMessage tool(String callId, String result) {
    return new HistoryMessage(ChatMessage.Role.TOOL, result, false, AT.plusSeconds(2), List.of(),
        callId);
  }

  private static HistoryMessage heard(String text) {
    return new HistoryMessage(ChatMessage.Role.ASSISTANT, text, true, AT.plusSeconds(9));
  }

  private static List<HistoryMessage> load(RedisConversationStore store, String session)
      throws Exception {
    return store.load(session).get(5, TimeUnit.SECONDS);
  }

  private static void append(RedisConversationStore store, String session,
      HistoryMessage... messages) throws Exception {
    store.append(session, List.of(messages)).get(5, TimeUnit.SECONDS);
  }

  private static boolean replace(RedisConversationStore store, String session, String answer,
      HistoryMessage replacement) throws Exception {
    return store.replaceLastAnswer(session, answer, replacement).get(5, TimeUnit.SECONDS);
  }

  @Test
  void toolCallsAndResultsRoundTripExactly() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    List<HistoryMessage> turn = List.of(QUESTION, CALLS, RESULT_A, RESULT_B, CALLS_ONLY,
        tool("call_C3", "booked"), ANSWER);
    store.append("s", turn).get(5, TimeUnit.SECONDS);
    assertEquals(turn, load(store, "s"));
    assertEquals(CALLS.toChatMessage(), load(store, "s").get(1).toChatMessage(),
        "what the next turn sends the model is what was stored");
  }

  @Test
  void onlyMessagesWithToolFieldsAreWrittenInTheNewFormat(RedisServerProcess server)
      throws Exception {
    append(redis.conversationStore(), "s", QUESTION, CALLS, RESULT_A, ANSWER);
    List<byte[]> stored = raw(server, c -> c.lrange(key("s"), 0, -1));
    assertEquals(List.of(2, 3, 3, 2), stored.stream().map(b -> (int) b[0]).toList());
    // the release before tools wrote and read exactly these bytes for a message without them
    assertTrue(Arrays.equals(version2("USER", QUESTION.text(), false, AT), stored.get(0)));
  }

  @Test
  void messagesWrittenByTheReleaseBeforeToolsAreStillRead(RedisServerProcess server)
      throws Exception {
    raw(server, c -> c.rpush(key("old"), version2("USER", "Wann?", false, AT),
        version2("ASSISTANT", "Um zehn.", true, AT)));
    assertEquals(List.of(new HistoryMessage(ChatMessage.Role.USER, "Wann?", false, AT),
        new HistoryMessage(ChatMessage.Role.ASSISTANT, "Um zehn.", true, AT)),
        load(redis.conversationStore(), "old"));
  }

  @Test
  void corruptOrImpossibleToolEntriesAreSkippedAndTheRestIsRead(RedisServerProcess server)
      throws Exception {
    byte[] good = HistoryCodec.encode(CALLS);
    byte[] truncated = Arrays.copyOf(good, good.length - CALLS.text().length() - 10);
    byte[] hugeCount = version3("ASSISTANT", "", List.of(), "x");
    int countAt = hugeCount.length - 1 - 4;
    hugeCount[countAt] = 0x7f; // two billion calls in a few bytes
    byte[] negativeLength = version3("TOOL", "-1", List.of(), "r");
    negativeLength[2 + 4 + 13] = (byte) 0xff; // the call id's length
    byte[] callsOnAUser = version3("USER", "", List.of(new ToolCallRequest(0, "c", "n", "{}")), "q");
    byte[] toolWithoutId = version3("TOOL", "", List.of(), "r");
    raw(server, c -> c.rpush(key("s"), HistoryCodec.encode(QUESTION), truncated, hugeCount,
        negativeLength, callsOnAUser, toolWithoutId, good));
    assertEquals(List.of(QUESTION, CALLS), load(redis.conversationStore(), "s"));
  }

  @Test
  void anAssistantMessageThatCalledToolsIsNeverReplacedAsAnAnswer() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    append(store, "s", QUESTION, CALLS);
    assertFalse(replace(store, "s", CALLS.text(), heard("Einen Moment")));
    assertEquals(List.of(QUESTION, CALLS), load(store, "s"));
  }

  @Test
  void aToolResultIsNeverReplacedAsAnAnswer() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    append(store, "s", QUESTION, CALLS, RESULT_A);
    assertFalse(replace(store, "s", RESULT_A.text(), heard("{")));
    assertEquals(List.of(QUESTION, CALLS, RESULT_A), load(store, "s"));
  }

  @Test
  void theAnswerAfterAToolRoundIsReplacedLeavingTheRoundAsItWas() throws Exception {
    RedisConversationStore store = redis.conversationStore();
    append(store, "s", QUESTION, CALLS, RESULT_A, RESULT_B, ANSWER);
    assertTrue(replace(store, "s", ANSWER.text(), heard("Morgen um zehn")));
    assertEquals(List.of(QUESTION, CALLS, RESULT_A, RESULT_B, heard("Morgen um zehn")),
        load(store, "s"));
  }

  @Test
  void anAnswerInTheNewFormatWithoutToolFieldsIsAnAnswer(RedisServerProcess server)
      throws Exception {
    // not written today, but readable: a later release may write every message as version 3
    raw(server, c -> c.rpush(key("s"), HistoryCodec.encode(QUESTION),
        version3("ASSISTANT", "", List.of(), "Um zehn.")));
    RedisConversationStore store = redis.conversationStore();
    assertEquals(new HistoryMessage(ChatMessage.Role.ASSISTANT, "Um zehn.", false, AT),
        load(store, "s").get(1));
    assertFalse(replace(store, "s", "Um zehn", heard("Um")), "the text is compared whole");
    assertTrue(replace(store, "s", "Um zehn.", heard("Um")));
    assertEquals(List.of(QUESTION, heard("Um")), load(store, "s"));
  }

  // ---------------------------------------------------------------- the formats, by hand

  private static byte[] key(String session) {
    return ("officehours:history:" + session).getBytes(StandardCharsets.UTF_8);
  }

  /** Version 2: version, role name (length byte, ASCII), flag, seconds, nanos, text. */
  private static byte[] version2(String role, String text, boolean interrupted, Instant at) {
    return write(out -> {
      out.writeByte(2);
      header(out, role, interrupted, at);
      out.write(text.getBytes(StandardCharsets.UTF_8));
    });
  }

  /** Version 3: as version 2, then the call id and the calls (length-prefixed), then the text. */
  private static byte[] version3(String role, String toolCallId, List<ToolCallRequest> calls,
      String text) {
    return write(out -> {
      out.writeByte(3);
      header(out, role, false, AT);
      string(out, toolCallId);
      out.writeInt(calls.size());
      for (ToolCallRequest call : calls) {
        out.writeInt(call.index());
        string(out, call.id());
        string(out, call.name());
        string(out, call.arguments());
      }
      out.write(text.getBytes(StandardCharsets.UTF_8));
    });
  }

  private static void header(DataOutputStream out, String role, boolean interrupted, Instant at)
      throws IOException {
    out.writeByte(role.length());
    out.write(role.getBytes(StandardCharsets.US_ASCII));
    out.writeBoolean(interrupted);
    out.writeLong(at.getEpochSecond());
    out.writeInt(at.getNano());
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private interface Body {
    void writeTo(DataOutputStream out) throws IOException;
  }

  private static byte[] write(Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      body.writeTo(out);
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
}
