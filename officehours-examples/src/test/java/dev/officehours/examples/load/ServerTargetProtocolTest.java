package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.Buffer;
import okio.ByteString;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket and SSE targets against a scripted server, for what the real example server does
 * not do on demand: audio of another turn in the middle of a turn, a close mid-turn, a refused
 * handshake, a stream cut before its end. (Their runs against the real server are in
 * {@link ServerLoadTest}.)
 */
class ServerTargetProtocolTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** 24 kHz 16-bit mono: 48,000 bytes a second. */
  private static final int PCM_BYTES_PER_SECOND = 48_000;

  @StartStop
  private final MockWebServer server = new MockWebServer();

  private static ByteString frame(long turnNumber, int chunk, int frameIndex, int audioBytes) {
    Buffer b = new Buffer();
    b.writeInt((int) turnNumber).writeInt(chunk).writeInt(frameIndex).write(new byte[audioBytes]);
    return b.readByteString();
  }

  /** A scripted server that answers a client's close as the example server does. */
  private abstract static class Scripted extends WebSocketListener {
    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
      ws.close(1000, null);
    }
  }

  /** Answers every {@code start} with a two-chunk turn numbered by the connection's turns. */
  private static final class ScriptedChat extends Scripted {
    private int turns;

    @Override
    public void onOpen(WebSocket ws, Response response) {
      ws.send("{\"type\":\"ready\",\"session\":\"s\",\"demo\":true}");
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
      int n = ++turns;
      String id = "t-00000000000" + n;
      ws.send("{\"type\":\"turn-started\",\"turnId\":\"" + id + "\",\"turnNumber\":" + n + "}");
      ws.send("{\"type\":\"text\",\"turnId\":\"" + id + "\",\"text\":\"Office hours\"}");
      ws.send("{\"type\":\"audio-start\",\"turnId\":\"" + id + "\",\"turnNumber\":" + n + ",\"chunkIndex\":0,"
          + "\"encoding\":\"pcm_s16le\",\"sampleRate\":24000,\"channels\":1,\"fromCache\":false}");
      ws.send(frame(n, 0, 0, PCM_BYTES_PER_SECOND / 2));
      ws.send(frame(n + 100, 0, 0, 999)); // another turn's audio: not this turn's
      ws.send(frame(n, 0, 1, PCM_BYTES_PER_SECOND / 2));
      ws.send("{\"type\":\"audio-start\",\"turnId\":\"" + id + "\",\"turnNumber\":" + n + ",\"chunkIndex\":1,"
          + "\"encoding\":\"pcm_s16le\",\"sampleRate\":24000,\"channels\":1,\"fromCache\":true}");
      ws.send(frame(n, 1, 0, PCM_BYTES_PER_SECOND / 4));
      ws.send("{\"type\":\"turn-complete\",\"turnId\":\"" + id + "\",\"answerFromCache\":true,"
          + "\"metrics\":{\"ttsCacheHits\":1},\"speechFailures\":[]}");
    }
  }

  @Test
  void aWebSocketTurnIsMeasuredFromItsEventsAndFramesOfOtherTurnsAreIgnored() throws Exception {
    server.enqueue(new MockResponse.Builder().webSocketUpgrade(new ScriptedChat()).build());
    try (WebSocketTarget target = new WebSocketTarget(server.url("/chat/ws").toString().replace("http", "ws"),
        Duration.ofSeconds(30))) {
      TurnSample first = target.send("alice", "When are office hours?").toCompletableFuture().get(30, TimeUnit.SECONDS);
      TurnSample second = target.send("alice", "And tomorrow?").toCompletableFuture().get(30, TimeUnit.SECONDS);

      for (TurnSample s : new TurnSample[] {first, second}) {
        assertFalse(s.failed(), s.errorCode() + ": " + s.errorMessage());
        assertTrue(s.startedNanos() <= s.firstTokenNanos() && s.firstTokenNanos() <= s.firstAudioNanos()
            && s.firstAudioNanos() <= s.endedNanos(), s.toString());
        assertEquals(PCM_BYTES_PER_SECOND + PCM_BYTES_PER_SECOND / 4, s.audioBytes(), "headers and stray audio excluded");
        assertEquals(2, s.chunks().size());
        assertEquals(1.0, s.chunks().get(0).audioSeconds(), 1e-9);
        assertEquals(0.25, s.chunks().get(1).audioSeconds(), 1e-9);
        assertEquals(1, s.ttsCacheHits());
        assertTrue(s.answerFromCache());
      }
      assertEquals(1, server.getRequestCount(), "the second turn reused the first turn's connection");
      assertEquals(2L, target.stats().get("ignoredMessagesOfNoTurnInFlight"), "one stray frame per turn");
    }
  }

  @Test
  void aServerThatClosesTheConnectionMidTurnFailsTheTurnAsConnectionClosed() throws Exception {
    server.enqueue(new MockResponse.Builder().webSocketUpgrade(new Scripted() {
      @Override
      public void onMessage(WebSocket ws, String text) {
        ws.send("{\"type\":\"turn-started\",\"turnId\":\"t-000000000001\",\"turnNumber\":1}");
        ws.close(1008, "client too slow");
      }
    }).build());
    try (WebSocketTarget target = new WebSocketTarget(server.url("/chat/ws").toString().replace("http", "ws"),
        Duration.ofSeconds(30))) {
      TurnSample s = target.send("bob", "Hello?").toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertEquals("connection_closed", s.errorCode());
      assertTrue(s.errorMessage().contains("1008") && s.errorMessage().contains("client too slow"), s.errorMessage());
      assertEquals(1L, target.stats().get("websocketConnectionsClosedByTheServer"));
    }
  }

  @Test
  void aRefusedHandshakeIsCountedUnderTheServersErrorCode() throws Exception {
    server.enqueue(new MockResponse.Builder().code(403).setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"code\":\"origin_not_allowed\",\"message\":\"origin https://evil.example is not allowed\"}}")
        .build());
    try (WebSocketTarget target = new WebSocketTarget(server.url("/chat/ws").toString().replace("http", "ws"),
        Duration.ofSeconds(30))) {
      TurnSample s = target.send("carol", "Hello?").toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertEquals("origin_not_allowed", s.errorCode(), s.errorMessage());
      assertEquals(1L, target.stats().get("websocketConnectionsThatFailedToOpen"));
    }
  }

  @Test
  void aTurnWithoutATerminalEventFailsAtTheClientsDeadline() throws Exception {
    server.enqueue(new MockResponse.Builder().webSocketUpgrade(new Scripted() {
      @Override
      public void onMessage(WebSocket ws, String text) {
        ws.send("{\"type\":\"turn-started\",\"turnId\":\"t-000000000001\",\"turnNumber\":1}");
      }
    }).build());
    try (WebSocketTarget target = new WebSocketTarget(server.url("/chat/ws").toString().replace("http", "ws"),
        Duration.ofMillis(200))) {
      TurnSample s = target.send("dave", "Hello?").toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertEquals("client_timeout", s.errorCode(), s.errorMessage());
    }
  }

  @Test
  void anSseStreamIsMeasuredFromItsEvents() throws Exception {
    String audio = Base64.getEncoder().encodeToString(new byte[PCM_BYTES_PER_SECOND / 2]);
    String body = ": a comment line\n\n"
        + "event: turn-started\ndata: {\"turnId\":\"t-000000000001\",\"session\":\"s\"}\n\n"
        + "event: text\ndata: {\"turnId\":\"t-000000000001\",\n" + "data: \"text\":\"Office hours\"}\n\n"
        + "event: audio\ndata: {\"turnId\":\"t-000000000001\",\"chunkIndex\":0,\"frameIndex\":0,\"encoding\":"
        + "\"pcm_s16le\",\"sampleRate\":24000,\"channels\":1,\"data\":\"" + audio + "\"}\n\n"
        + "event: audio\ndata: {\"turnId\":\"t-000000000001\",\"chunkIndex\":1,\"frameIndex\":0,\"encoding\":"
        + "\"pcm_s16le\",\"sampleRate\":24000,\"channels\":1,\"data\":\"" + audio + "\"}\n\n"
        + "event: turn-complete\ndata: {\"turnId\":\"t-000000000001\",\"answerFromCache\":false,"
        + "\"metrics\":{\"ttsCacheHits\":2},\"speechFailures\":[]}\n\n";
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build());
    try (SseTarget target = new SseTarget(server.url("/chat/stream").toString(), Duration.ofSeconds(30))) {
      TurnSample s = target.send("erin", "When are office hours?").toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertFalse(s.failed(), s.errorCode() + ": " + s.errorMessage());
      assertTrue(s.firstTokenNanos() > 0 && s.firstTokenNanos() <= s.firstAudioNanos(), s.toString());
      assertEquals(PCM_BYTES_PER_SECOND, s.audioBytes());
      assertEquals(2, s.chunks().size());
      assertEquals(0.5, s.chunks().get(0).audioSeconds(), 1e-9);
      assertEquals(2, s.ttsCacheHits(), "the SSE stream says which chunks were cached only in turn-complete");
      JsonNode sent = JSON.readTree(server.takeRequest().getBody().utf8());
      assertEquals("erin", sent.path("session").asText());
      assertEquals("When are office hours?", sent.path("text").asText());
    }
  }

  @Test
  void anSseStreamCutBeforeItsEndFailsAsConnectionClosed() throws Exception {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body("event: text\ndata: {\"text\":\"Office\"}\n\n").build());
    try (SseTarget target = new SseTarget(server.url("/chat/stream").toString(), Duration.ofSeconds(30))) {
      TurnSample s = target.send("frank", "Hello?").toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertEquals("connection_closed", s.errorCode(), s.errorMessage());
      assertTrue(s.firstTokenNanos() > 0, "what arrived before the cut was still seen");
    }
  }

  @Test
  void anSseRequestRefusedWithAJsonErrorIsCountedUnderItsCode() throws Exception {
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "2")
        .setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many turns\"}}").build());
    server.enqueue(new MockResponse.Builder().code(502).body("<html>bad gateway</html>").build());
    try (SseTarget target = new SseTarget(server.url("/chat/stream").toString(), Duration.ofSeconds(30))) {
      assertEquals("rate_limited", target.send("g", "Hi").toCompletableFuture().get(30, TimeUnit.SECONDS).errorCode());
      assertEquals("http_502", target.send("g", "Hi").toCompletableFuture().get(30, TimeUnit.SECONDS).errorCode(),
          "without the server's JSON error, the status is the code");
    }
  }

  @Test
  void base64SizesAreComputedWithoutDecoding() {
    for (int n = 0; n < 10; n++) {
      byte[] bytes = new byte[n];
      assertEquals(n, SseTarget.base64Bytes(Base64.getEncoder().encodeToString(bytes)));
      assertEquals(n, SseTarget.base64Bytes(Base64.getEncoder().withoutPadding().encodeToString(bytes)));
    }
  }

  @Test
  void theMetricsEndpointSitsBesideTheChatEndpoint() {
    assertEquals("http://127.0.0.1:5001/chat/metrics",
        ServerTargets.metricsUrl(ServerTargets.endpoint("ws://127.0.0.1:5001", java.util.Set.of("ws"), "/chat/ws")));
    assertEquals("https://example.org/app/chat/metrics", ServerTargets.metricsUrl(
        ServerTargets.endpoint("wss://example.org/app/chat/ws", java.util.Set.of("wss"), "/chat/ws")));
    assertEquals("http://127.0.0.1:5001/chat/metrics", ServerTargets.metricsUrl(ServerTargets.endpoint(
        "http://127.0.0.1:5001/chat/stream", java.util.Set.of("http"), "/chat/stream")));
  }
}
