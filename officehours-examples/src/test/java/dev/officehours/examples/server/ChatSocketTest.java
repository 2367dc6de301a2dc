package dev.officehours.examples.server;

import static dev.officehours.examples.server.ServerFixture.await;
import static dev.officehours.examples.server.ServerFixture.get;
import static dev.officehours.examples.server.ServerFixture.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The WebSocket protocol of {@code /chat/ws} against a demo server, message by message. */
class ChatSocketTest {
  private static ChatServer server;
  private static OkHttpClient http;

  @BeforeAll
  static void start() {
    server = ServerFixture.fastDemo().start();
    http = ServerFixture.http();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aTypedQuestionStreamsTextThenAudioFramesInOrderAndCompletes() throws Exception {
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-typed")) {
      JsonNode ready = c.expect("ready");
      assertTrue(ready.path("demo").asBoolean());
      assertEquals("pcm_s16le", ready.path("audio").path("encoding").asText());
      assertEquals(24_000, ready.path("audio").path("sampleRate").asInt());

      c.send("{\"type\":\"start\",\"text\":\"How does caching work?\"}");
      JsonNode started = c.expect("turn-started");
      String turnId = started.path("turnId").asText();
      assertEquals(1, started.path("turnNumber").asInt());
      assertEquals("ws-typed", started.path("session").asText());

      List<WsClient.Received> turn = c.untilTurnEnds();
      WsClient.Received last = turn.get(turn.size() - 1);
      assertTrue(last.is("turn-complete"), "ended with " + last.json());
      assertEquals(turnId, last.json().path("turnId").asText());
      JsonNode metrics = last.json().path("metrics");
      assertTrue(metrics.path("ttfaMs").asDouble() > 0);
      assertTrue(metrics.path("chunks").asInt() >= 1);

      StringBuilder text = new StringBuilder();
      int chunk = -1;
      int frame = -1;
      long audioBytes = 0;
      for (WsClient.Received r : turn) {
        if (r.is("text")) {
          text.append(r.json().path("text").asText());
        } else if (r.is("audio-start")) {
          assertEquals(chunk + 1, r.json().path("chunkIndex").asInt(), "chunks announced in order");
          chunk = r.json().path("chunkIndex").asInt();
          frame = -1;
        } else if (r.audio() != null) {
          assertEquals(1, r.audio().turnNumber());
          assertEquals(chunk, r.audio().chunkIndex(), "a frame follows its chunk's audio-start");
          assertEquals(frame + 1, r.audio().frameIndex(), "frames in order");
          frame = r.audio().frameIndex();
          assertEquals(0, r.audio().bytes() % 2, "whole 16-bit samples");
          audioBytes += r.audio().bytes();
        }
      }
      assertFalse(text.toString().isBlank());
      assertEquals(metrics.path("audioBytes").asLong(), audioBytes, "every audio byte the turn produced arrived");
      assertEquals(metrics.path("chunks").asInt(), chunk + 1);

      assertTrue(get(http, server.url() + "/chat/metrics").json().path("latency").path("firstAudioRelayMs")
          .path("count").asLong() >= 1, "the relay of the first audio frame is timed over the WebSocket too");
      JsonNode history = get(http, server.url() + "/chat/history/ws-typed").json();
      assertEquals(2, history.path("messages").size());
      assertEquals("How does caching work?", history.path("messages").get(0).path("text").asText());
      assertEquals(text.toString().strip(), history.path("messages").get(1).path("text").asText().strip());
    }
  }

  @Test
  void framesAreNotDeflatedEvenWhenTheClientOffersIt() throws Exception {
    // OkHttp offers permessage-deflate in every handshake, as browsers do; deflating audio frames,
    // which compress little, cost the server more CPU per turn than relaying them
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-deflate")) {
      Response handshake = c.opened.get(20, TimeUnit.SECONDS);
      assertEquals("permessage-deflate", handshake.request().header("Sec-WebSocket-Extensions"), "offered");
      c.expect("ready");
      assertEquals(101, handshake.code());
      assertNull(handshake.header("Sec-WebSocket-Extensions"), "no extension negotiated");
      c.send("{\"type\":\"start\",\"text\":\"How does caching work?\"}");
      List<WsClient.Received> turn = c.untilTurnEnds();
      assertTrue(turn.get(turn.size() - 1).is("turn-complete"));
      assertTrue(turn.stream().anyMatch(r -> r.audio() != null && r.audio().bytes() > 0), "audio still arrives");
    }
  }

  @Test
  void aToolTurnSendsTheCallThenItsResultThenTheAnswerAndHistoryKeepsTheExchange() throws Exception {
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-tool")) {
      c.expect("ready");
      c.send("{\"type\":\"start\",\"text\":\"When are office hours tomorrow?\"}");
      String turnId = c.expect("turn-started").path("turnId").asText();

      List<WsClient.Received> turn = c.untilTurnEnds();

      int call = -1;
      int result = -1;
      int lastText = -1;
      int lastAudio = -1;
      StringBuilder after = new StringBuilder();
      for (int i = 0; i < turn.size(); i++) {
        WsClient.Received r = turn.get(i);
        if (r.is("tool-call")) {
          assertEquals(-1, call, "one call");
          call = i;
        } else if (r.is("tool-result")) {
          result = i;
        } else if (r.is("text")) {
          lastText = i;
          if (result >= 0) {
            after.append(r.json().path("text").asText());
          }
        } else if (r.audio() != null) {
          lastAudio = i;
        }
      }
      String seen = outline(turn);
      assertTrue(call >= 0 && result > call, "tool-call, then tool-result: " + seen);
      assertTrue(lastText > result && lastAudio > result, "the answer's text and audio after the result: " + seen);
      assertTrue(turn.get(turn.size() - 1).is("turn-complete"), "ended with " + turn.get(turn.size() - 1).json());
      assertEquals("Office hours tomorrow are at 10:00, 13:30 and 16:00.", after.toString().strip());

      JsonNode started = turn.get(call).json();
      assertEquals(turnId, started.path("turnId").asText());
      String callId = started.path("callId").asText();
      assertTrue(callId.startsWith("call_sim_"), callId);
      assertEquals("check_office_hours", started.path("name").asText());
      assertEquals("{\"day\":\"tomorrow\"}", started.path("arguments").asText());
      assertEquals(1, started.path("round").asInt());
      JsonNode ended = turn.get(result).json();
      assertEquals(callId, ended.path("callId").asText());
      assertEquals("check_office_hours", ended.path("name").asText());
      assertEquals("ok", ended.path("status").asText());
      assertEquals("{\"day\":\"tomorrow\",\"slots\":[\"10:00\",\"13:30\",\"16:00\"]}", ended.path("result").asText());
      assertFalse(ended.path("truncated").asBoolean());
      assertTrue(ended.path("durationMs").asDouble() > 0);
      JsonNode metrics = turn.get(turn.size() - 1).json().path("metrics");
      assertEquals(1, metrics.path("toolCalls").asInt());
      assertEquals(2, metrics.path("llmRounds").asInt());

      JsonNode messages = get(http, server.url() + "/chat/history/ws-tool").json().path("messages");
      assertEquals(4, messages.size(), messages.toString());
      assertEquals("user", messages.get(0).path("role").asText());
      JsonNode calling = messages.get(1);
      assertEquals("assistant", calling.path("role").asText());
      assertEquals("Let me check the calendar.", calling.path("text").asText().strip());
      assertEquals(callId, calling.path("toolCalls").path(0).path("callId").asText());
      assertEquals("check_office_hours", calling.path("toolCalls").path(0).path("name").asText());
      assertEquals("{\"day\":\"tomorrow\"}", calling.path("toolCalls").path(0).path("arguments").asText());
      assertEquals("tool", messages.get(2).path("role").asText());
      assertEquals(callId, messages.get(2).path("callId").asText());
      assertEquals(ended.path("result").asText(), messages.get(2).path("text").asText());
      assertEquals("assistant", messages.get(3).path("role").asText());
      assertEquals(after.toString().strip(), messages.get(3).path("text").asText().strip());
      assertFalse(messages.get(3).has("toolCalls") || messages.get(3).has("callId"), "an answer is just an answer");

      JsonNode tools = get(http, server.url() + "/chat/metrics").json().path("tools");
      assertTrue(tools.path("calls").asLong() >= 1, tools.toString());
      assertTrue(tools.path("byStatus").path("ok").asLong() >= 1, tools.toString());
      assertTrue(tools.path("byTool").path("check_office_hours").path("meanMs").asDouble() > 0, tools.toString());
    }
  }

  /** The messages' types, a run of audio frames as one "frames": short enough for a failure message. */
  private static String outline(List<WsClient.Received> turn) {
    List<String> types = new ArrayList<>();
    for (WsClient.Received r : turn) {
      String type = r.json() == null ? "frames" : r.json().path("type").asText();
      if (!(type.equals("frames") && !types.isEmpty() && types.get(types.size() - 1).equals("frames"))) {
        types.add(type);
      }
    }
    return types.toString();
  }

  @Test
  void badMessagesGetSpecificErrorsAndLeaveHistoryAndTheConnectionIntact() throws Exception {
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-bad")) {
      c.expect("ready");
      String[][] cases = {
          {"not json", "bad_json"},
          {"[1,2]", "bad_json"},
          {"{\"text\":\"hi\"}", "missing_field"},
          {"{\"type\":5}", "bad_field"},
          {"{\"type\":\"dance\"}", "unknown_type"},
          {"{\"type\":\"start\",\"text\":\"   \"}", "empty_text"},
          {"{\"type\":\"start\",\"text\":5}", "bad_field"},
          {"{\"type\":\"start\",\"text\":\"" + "a".repeat(4001) + "\"}", "text_too_long"},
          {"{\"type\":\"start\",\"text\":\"hi\",\"session\":\"no spaces allowed\"}", "bad_session"},
          {"{\"type\":\"start\",\"text\":\"hi\",\"image\":\"data:text/plain;base64,aGk=\"}", "bad_image"},
          {"{\"type\":\"start\",\"text\":\"hi\",\"image\":\"data:image/png;base64,aGVsbG8gd29ybGQ=\"}", "bad_image"},
          {"{\"type\":\"start\",\"text\":\"hi\",\"image\":\"data:image/png;base64,%%%\"}", "bad_image"},
          {"{\"type\":\"interrupt\",\"turnId\":\"t-000000000000\",\"chunkIndex\":0,\"playedMs\":10}", "unknown_turn"},
          {"{\"type\":\"interrupt\",\"turnId\":\"t-1\",\"chunkIndex\":\"zero\"}", "bad_field"},
          {"{\"type\":\"interrupt\",\"turnId\":\"t-1\",\"chunkIndex\":0,\"playedMs\":-5}", "bad_field"},
          {"{\"type\":\"cancel\",\"turnId\":\"t-000000000000\"}", "unknown_turn"},
      };
      for (String[] bad : cases) {
        c.send(bad[0]);
        JsonNode error = c.expect("error");
        assertEquals(bad[1], error.path("code").asText(), "for " + bad[0].substring(0, Math.min(60, bad[0].length()))
            + ": " + error);
        assertFalse(error.path("message").asText().isBlank());
      }
      c.socket.send(okio.ByteString.of(new byte[] {1, 2, 3}));
      assertEquals("binary_not_accepted", c.expect("error").path("code").asText());

      assertEquals(0, get(http, server.url() + "/chat/history/ws-bad").json().path("messages").size(),
          "no bad message reached history");
      c.send("{\"type\":\"start\",\"text\":\"Still there?\"}");
      c.expect("turn-started");
      c.untilTurnEnds();
      assertEquals(2, get(http, server.url() + "/chat/history/ws-bad").json().path("messages").size(),
          "the connection still works after every error");
    }
  }

  @Test
  void aStartsRequestIdIsEchoedInItsTurnStartedAndInItsRefusal() throws Exception {
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-req")) {
      c.expect("ready");
      c.send("{\"type\":\"start\",\"requestId\":\"r1\",\"text\":\"\"}");
      JsonNode refused = c.expect("error");
      assertEquals("empty_text", refused.path("code").asText());
      assertEquals("r1", refused.path("requestId").asText());
      c.send("{\"type\":\"start\",\"requestId\":\"r2\",\"text\":\"What is OfficeHours?\"}");
      assertEquals("r2", c.expect("turn-started").path("requestId").asText());
      c.untilTurnEnds();
      c.send("{\"type\":\"start\",\"requestId\":\"not ok!\",\"text\":\"hi\"}");
      assertEquals("bad_field", c.expect("error").path("code").asText());
    }
  }

  @Test
  void aFrameOverTheLimitIsRefusedWithoutClosingTheConnection() throws Exception {
    try (ChatServer small = ServerFixture.fastDemo().maxFrameBytes(4096).start();
        WsClient c = new WsClient(http, ws(small) + "?session=ws-frame")) {
      c.expect("ready");
      c.send("{\"type\":\"start\",\"text\":\"" + "a".repeat(5000) + "\"}");
      JsonNode error = c.expect("error");
      assertEquals("frame_too_large", error.path("code").asText());
      c.send("{\"type\":\"start\",\"text\":\"short\"}");
      assertEquals("ws-frame", c.expect("turn-started").path("session").asText());
    }
  }

  @Test
  void interruptingATurnInFlightCancelsItAndNoAudioOfItFollows() throws Exception {
    try (ChatServer slow = ChatServer.builder().port(0).rateLimitPerMinute(0)
            .demo(dev.officehours.examples.sim.SimulatedOpenAiServer.builder()
                .timeToFirstToken(java.time.Duration.ofMillis(20)).tokenInterval(java.time.Duration.ofMillis(40))
                .answerWords(200).ttsTimeToFirstByte(java.time.Duration.ofMillis(5)).ttsRealTimeFactor(0.01), false)
            .start();
        WsClient c = new WsClient(http, ws(slow) + "?session=ws-barge")) {
      c.expect("ready");
      c.send("{\"type\":\"start\",\"text\":\"Tell me everything about caching.\"}");
      String turnId = c.expect("turn-started").path("turnId").asText();
      List<WsClient.Received> before = c.until("audio-start");
      assertNotNull(before);
      c.send("{\"type\":\"interrupt\",\"turnId\":\"" + turnId + "\",\"chunkIndex\":0,\"playedMs\":200}");
      List<WsClient.Received> rest = new ArrayList<>();
      boolean cancelled = false;
      boolean replied = false;
      while (!(cancelled && replied)) {
        WsClient.Received r = c.next();
        if (cancelled) {
          assertTrue(r.audio() == null, "no audio after turn-cancelled");
        }
        if (r.is("turn-cancelled")) {
          cancelled = true;
          assertEquals("interrupted", r.json().path("reason").asText());
        }
        if (r.is("interrupted")) {
          replied = true;
          assertTrue(r.json().path("trimmed").asBoolean());
        }
        rest.add(r);
      }
      await("the turn is no longer active", () -> slow.activeTurns() == 0);
      JsonNode messages = get(http, slow.url() + "/chat/history/ws-barge").json().path("messages");
      assertEquals(2, messages.size());
      assertTrue(messages.get(1).path("interrupted").asBoolean());
    }
  }

  @Test
  void interruptingACompletedTurnKeepsOnlyWhatWasHeardInHistory() throws Exception {
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-heard")) {
      c.expect("ready");
      c.send("{\"type\":\"start\",\"text\":\"What is OfficeHours?\"}");
      String turnId = c.expect("turn-started").path("turnId").asText();
      List<WsClient.Received> turn = c.untilTurnEnds();
      assertTrue(turn.get(turn.size() - 1).is("turn-complete"));
      String whole = get(http, server.url() + "/chat/history/ws-heard").json().path("messages").get(1)
          .path("text").asText();

      c.send("{\"type\":\"interrupt\",\"turnId\":\"" + turnId + "\",\"chunkIndex\":0,\"playedMs\":400}");
      assertTrue(c.expect("interrupted").path("trimmed").asBoolean());
      await("history keeps only the heard part", () -> {
        try {
          JsonNode answer = get(http, server.url() + "/chat/history/ws-heard").json().path("messages").get(1);
          return answer.path("interrupted").asBoolean();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      String heard = get(http, server.url() + "/chat/history/ws-heard").json().path("messages").get(1)
          .path("text").asText();
      assertTrue(heard.length() < whole.length(), "heard '" + heard + "' of '" + whole + "'");
      assertTrue(whole.startsWith(heard.strip()), "the heard part is the start of the answer");
    }
  }

  @Test
  void aNewQuestionOnTheSameConnectionReplacesTheTurnInFlight() throws Exception {
    try (WsClient c = new WsClient(http, ws(server) + "?session=ws-replace")) {
      c.expect("ready");
      c.send("{\"type\":\"start\",\"text\":\"What is OfficeHours?\"}");
      String first = c.expect("turn-started").path("turnId").asText();
      c.send("{\"type\":\"start\",\"text\":\"How does caching work?\"}");
      boolean firstEnded = false;
      String second = null;
      boolean secondCompleted = false;
      while (!(firstEnded && secondCompleted)) {
        WsClient.Received r = c.next();
        if (r.json() == null) {
          continue;
        }
        String id = r.json().path("turnId").asText();
        if (r.is("turn-started")) {
          second = id;
          assertEquals(2, r.json().path("turnNumber").asInt());
        } else if (id.equals(first) && (r.is("turn-cancelled") || r.is("turn-complete"))) {
          firstEnded = true;
        } else if (id.equals(second) && r.is("turn-complete")) {
          secondCompleted = true;
        }
      }
    }
  }
}
