package dev.officehours.examples.server;

import static dev.officehours.examples.server.ServerFixture.call;
import static dev.officehours.examples.server.ServerFixture.get;
import static dev.officehours.examples.server.ServerFixture.postJson;
import static dev.officehours.examples.server.ServerFixture.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.examples.server.ServerFixture.Answer;
import dev.officehours.openai.OpenAiTranscription;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP endpoints: SSE turns, history, metrics, client reports, transcription, errors, CORS. */
class ChatHttpTest {
  private static ChatServer server;
  private static OkHttpClient http;

  @BeforeAll
  static void start() {
    server = ServerFixture.fastDemo().allowOrigin("https://app.example.com").start();
    http = ServerFixture.http();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** An SSE event as received. */
  record Event(String type, JsonNode data) {}

  static List<Event> events(String body) throws Exception {
    List<Event> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      String type = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      if (type != null) {
        events.add(new Event(type, WsClient.JSON.readTree(data)));
      }
    }
    return events;
  }

  @Test
  void aStreamedTurnSendsTextAndBase64AudioAsServerSentEvents() throws Exception {
    Answer a = postJson(http, server.url() + "/chat/stream", "{\"session\":\"sse-1\",\"text\":\"How does caching work?\"}");
    assertEquals(200, a.status());
    assertTrue(a.headers().get("Content-Type").startsWith("text/event-stream"));
    List<Event> events = events(a.body());
    assertEquals("turn-started", events.get(0).type());
    assertEquals("turn-complete", events.get(events.size() - 1).type());
    long audioBytes = 0;
    StringBuilder text = new StringBuilder();
    for (Event e : events) {
      if (e.type().equals("audio")) {
        assertEquals("pcm_s16le", e.data().path("encoding").asText());
        audioBytes += Base64.getDecoder().decode(e.data().path("data").asText()).length;
      } else if (e.type().equals("text")) {
        text.append(e.data().path("text").asText());
      }
    }
    assertFalse(text.toString().isBlank());
    assertEquals(events.get(events.size() - 1).data().path("metrics").path("audioBytes").asLong(), audioBytes);
    JsonNode history = get(http, server.url() + "/chat/history/sse-1").json();
    assertEquals(2, history.path("messages").size());
  }

  @Test
  void aToolTurnStreamsTheCallAndItsResultAsEventsBeforeTheAnswer() throws Exception {
    Answer a = postJson(http, server.url() + "/chat/stream",
        "{\"session\":\"sse-tool\",\"text\":\"Office hours on Friday?\"}");
    assertEquals(200, a.status());
    List<String> types = new ArrayList<>();
    JsonNode call = null;
    JsonNode result = null;
    for (Event e : events(a.body())) {
      if (e.type().equals("audio") && types.get(types.size() - 1).equals("audio")) {
        continue; // a run of audio events is one entry: the order of the others is what counts
      }
      types.add(e.type());
      if (e.type().equals("tool-call")) {
        call = e.data();
      } else if (e.type().equals("tool-result")) {
        result = e.data();
      }
    }
    assertTrue(types.indexOf("tool-call") >= 0 && types.indexOf("tool-call") < types.indexOf("tool-result"), types.toString());
    assertTrue(types.lastIndexOf("text") > types.indexOf("tool-result"), "the answer follows the result: " + types);
    assertEquals("turn-complete", types.get(types.size() - 1));
    assertEquals("{\"day\":\"friday\"}", call.path("arguments").asText());
    assertEquals(call.path("callId").asText(), result.path("callId").asText());
    assertEquals("ok", result.path("status").asText());
    assertTrue(result.path("result").asText().contains("\"slots\":[\"10:00\",\"12:00\"]"), result.toString());
  }

  @Test
  void badRequestsGetA4xxWithAJsonErrorAndNoTurn() throws Exception {
    String url = server.url() + "/chat/stream";
    assertEquals("bad_json", postJson(http, url, "{oops").code());
    assertEquals("bad_json", postJson(http, url, "\"just a string\"").code());
    assertEquals("missing_field", postJson(http, url, "{\"text\":\"hi\"}").code());
    assertEquals("bad_field", postJson(http, url, "{\"session\":\"s\",\"text\":[1]}").code());
    assertEquals("empty_text", postJson(http, url, "{\"session\":\"s\",\"text\":\"\"}").code());
    Answer tooLong = postJson(http, url, "{\"session\":\"s\",\"text\":\"" + "x".repeat(4001) + "\"}");
    assertEquals(413, tooLong.status());
    assertEquals("text_too_long", tooLong.code());
    assertEquals("text", tooLong.json().path("error").path("field").asText());
    Answer notImage = postJson(http, url, "{\"session\":\"s\",\"text\":\"hi\",\"image\":\"data:image/jpeg;base64,"
        + Base64.getEncoder().encodeToString("<html>".getBytes()) + "\"}");
    assertEquals(415, notImage.status());
    assertEquals("bad_image", notImage.code());
    Answer plain = call(http, new Request.Builder().url(url)
        .post(RequestBody.create("{\"session\":\"s\",\"text\":\"hi\"}", MediaType.get("text/plain"))).build());
    assertEquals(415, plain.status());
    assertEquals("unsupported_media_type", plain.code());
    Answer huge = call(http, new Request.Builder().url(url)
        .post(RequestBody.create(new byte[17 * 1024 * 1024], ServerFixture.JSON_TYPE)).build());
    assertEquals(413, huge.status());
    assertEquals("body_too_large", huge.code());
    Answer badSession = get(http, server.url() + "/chat/history/" + "x".repeat(129));
    assertEquals(400, badSession.status());
    assertEquals("bad_session", badSession.code());
    Answer missing = get(http, server.url() + "/chat/nothing-here");
    assertEquals(404, missing.status());
    assertEquals("not_found", missing.code());
    assertEquals(0, get(http, server.url() + "/chat/history/s").json().path("messages").size(),
        "no refused request reached history");
  }

  @Test
  void historyCanBeReadAndCleared() throws Exception {
    postJson(http, server.url() + "/chat/stream", "{\"session\":\"sse-clear\",\"text\":\"What is OfficeHours?\"}");
    assertEquals(2, get(http, server.url() + "/chat/history/sse-clear").json().path("messages").size());
    Answer deleted = call(http, new Request.Builder().url(server.url() + "/chat/history/sse-clear").delete().build());
    assertEquals(204, deleted.status());
    assertEquals(0, get(http, server.url() + "/chat/history/sse-clear").json().path("messages").size());
  }

  @Test
  void metricsReportTurnsLatencyCachesClientFiguresAndTheJvm() throws Exception {
    postJson(http, server.url() + "/chat/stream", "{\"session\":\"sse-metrics\",\"text\":\"How does caching work?\"}");
    assertEquals(204, postJson(http, server.url() + "/chat/client-metrics",
        "{\"turnId\":\"t-0123456789ab\",\"speechEndToFirstAudioMs\":812.5,\"underruns\":1}").status());
    assertEquals("bad_field", postJson(http, server.url() + "/chat/client-metrics",
        "{\"speechEndToFirstAudioMs\":-3}").code());
    assertEquals("bad_field", postJson(http, server.url() + "/chat/client-metrics",
        "{\"speechEndToFirstAudioMs\":\"fast\"}").code());

    JsonNode m = get(http, server.url() + "/chat/metrics").json();
    assertEquals("demo", m.path("mode").asText());
    assertTrue(m.path("turns").path("completed").asLong() >= 1);
    assertEquals(0, m.path("turns").path("active").asInt());
    assertTrue(m.path("latency").path("ttfaMs").path("count").asLong() >= 1);
    assertTrue(m.path("latency").path("ttfaMs").path("p99").asDouble() > 0);
    JsonNode relay = m.path("latency").path("firstAudioRelayMs");
    assertTrue(relay.path("count").asLong() >= 1, "what the server adds to TTFA is measured: " + relay);
    assertTrue(relay.path("p50").asDouble() <= m.path("latency").path("ttfaMs").path("p50").asDouble());
    assertTrue(m.path("caches").has("tts"));
    assertTrue(m.path("client").path("reports").asLong() >= 1);
    assertTrue(m.path("client").path("underruns").asLong() >= 1);
    assertTrue(m.path("jvm").path("heapUsedBytes").asLong() > 0);
    assertTrue(m.path("jvm").path("threads").asInt() > 0);

    Answer prometheus = get(http, server.url() + "/metrics");
    assertEquals(200, prometheus.status());
    assertTrue(prometheus.body().contains("officehours_turn_ttfa_seconds_bucket"), "percentile histograms");
    assertTrue(prometheus.body().contains("officehours_server_connections"));
    assertTrue(prometheus.body().contains("officehours_server_first_audio_relay_seconds"));
    assertTrue(prometheus.body().contains("jvm_memory_used_bytes"));
  }

  @Test
  void inDemoModeTheSimulatedServerTranscribes() throws Exception {
    Answer a = call(http, new Request.Builder().url(server.url() + "/chat/transcribe")
        .post(RequestBody.create(new byte[] {26, 69, -33, -93, 1, 2}, MediaType.get("audio/webm"))).build());
    assertEquals(200, a.status(), a.body());
    assertEquals("This is a simulated transcript.", a.json().path("text").asText());
  }

  @Test
  void transcriptionNeedsASpeechToTextProvider() throws Exception {
    try (ChatServer noStt = ServerFixture.fastDemo().withoutStt().start()) {
      Answer a = call(http, new Request.Builder().url(noStt.url() + "/chat/transcribe")
          .post(RequestBody.create(new byte[] {1, 2, 3}, MediaType.get("audio/webm"))).build());
      assertEquals(501, a.status());
      assertEquals("stt_not_configured", a.code());
    }
  }

  @Test
  void transcriptionReturnsTheProvidersText() throws Exception {
    try (MockWebServer stt = new MockWebServer()) {
      stt.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
          .body("{\"text\":\"when are office hours\"}").build());
      stt.start();
      try (ChatServer withStt = ServerFixture.fastDemo()
          .stt(OpenAiTranscription.builder().baseUrl(stt.url("/v1").toString()).apiKey("sk-stt").build()).start()) {
        Answer wrongType = call(http, new Request.Builder().url(withStt.url() + "/chat/transcribe")
            .post(RequestBody.create("hello", MediaType.get("text/plain"))).build());
        assertEquals("unsupported_media_type", wrongType.code());
        Answer a = call(http, new Request.Builder().url(withStt.url() + "/chat/transcribe")
            .post(RequestBody.create(new byte[] {26, 69, -33, -93, 1, 2}, MediaType.get("audio/webm"))).build());
        assertEquals(200, a.status(), a.body());
        assertEquals("when are office hours", a.json().path("text").asText());
        assertTrue(stt.takeRequest().getTarget().endsWith("/v1/audio/transcriptions"));
      }
    }
  }

  @Test
  void corsAllowsOnlyTheAllowListAndCachesPreflightsForADay() throws Exception {
    Answer allowed = call(http, new Request.Builder().url(server.url() + "/chat/stream")
        .method("OPTIONS", null).header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type")
        .build());
    assertEquals("https://app.example.com", allowed.headers().get("Access-Control-Allow-Origin"));
    assertEquals("86400", allowed.headers().get("Access-Control-Max-Age"));
    Answer refused = call(http, new Request.Builder().url(server.url() + "/chat/stream")
        .method("OPTIONS", null).header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST").build());
    assertNull(refused.headers().get("Access-Control-Allow-Origin"));
  }

  @Test
  void theWebSocketRefusesForeignOriginsAndAcceptsItsOwnAndTheAllowList() throws Exception {
    String own = server.url();
    for (String origin : new String[] {own, "https://app.example.com"}) {
      try (WsClient c = new WsClient(http, new Request.Builder().url(ws(server)).header("Origin", origin).build())) {
        assertTrue(c.expect("ready").path("demo").asBoolean(), origin);
      }
    }
    WsClient evil = new WsClient(http, new Request.Builder().url(ws(server)).header("Origin", "https://evil.example")
        .build());
    assertEquals(-403, evil.closed.get(20, java.util.concurrent.TimeUnit.SECONDS));
  }

  @Test
  void aClientOverTheRateLimitGets429WithRetryAfter() throws Exception {
    try (ChatServer limited = ServerFixture.fastDemo().rateLimitPerMinute(2).start()) {
      String url = limited.url() + "/chat/stream";
      for (int i = 0; i < 2; i++) {
        assertEquals(200, postJson(http, url, "{\"session\":\"rl\",\"text\":\"What is OfficeHours?\"}").status());
      }
      Answer refused = postJson(http, url, "{\"session\":\"rl\",\"text\":\"What is OfficeHours?\"}");
      assertEquals(429, refused.status());
      assertEquals("rate_limited", refused.code());
      int retryAfter = Integer.parseInt(refused.headers().get("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
      try (WsClient c = new WsClient(http, ws(limited) + "?session=rl")) {
        c.expect("ready");
        c.send("{\"type\":\"start\",\"text\":\"hi\"}");
        JsonNode error = c.expect("error");
        assertEquals("rate_limited", error.path("code").asText());
        assertTrue(error.path("retryAfterMs").asLong() > 0);
      }
      assertEquals(4, get(http, limited.url() + "/chat/history/rl").json().path("messages").size(),
          "refused turns left history alone");
    }
  }

  @Test
  void behindAProxyTheRateLimitCountsTheAddressTheProxySaw() throws Exception {
    try (ChatServer proxied = ServerFixture.fastDemo().rateLimitPerMinute(1).behindProxy(true).start()) {
      String url = proxied.url() + "/chat/stream";
      String body = "{\"session\":\"px\",\"text\":\"What is OfficeHours?\"}";
      assertEquals(200, call(http, forwarded(url, body, "203.0.113.7")).status());
      assertEquals(200, call(http, forwarded(url, body, "198.51.100.9, 203.0.113.8")).status(),
          "another client behind the same proxy has its own budget");
      assertEquals("rate_limited", call(http, forwarded(url, body, "10.0.0.1, 203.0.113.7")).code(),
          "the last hop counts: a client cannot dodge the limit by prepending addresses");
    }
  }

  private static Request forwarded(String url, String json, String forwardedFor) {
    return new Request.Builder().url(url).header("X-Forwarded-For", forwardedFor)
        .post(RequestBody.create(json, ServerFixture.JSON_TYPE)).build();
  }

  @Test
  void aLoopbackServerAnswersOnlyForItsOwnNamesAgainstDnsRebinding() throws Exception {
    Answer rebound = call(http, new Request.Builder().url(server.url() + "/chat/metrics")
        .header("Host", "evil.example:" + server.port()).build());
    assertEquals(421, rebound.status());
    assertEquals("host_not_allowed", rebound.code());
    assertEquals(200, call(http, new Request.Builder().url(server.url() + "/chat/metrics")
        .header("Host", "localhost:" + server.port()).build()).status());
    WsClient ws = new WsClient(http, new Request.Builder().url(ws(server)).header("Host", "evil.example").build());
    assertEquals(-421, ws.closed.get(20, java.util.concurrent.TimeUnit.SECONDS));
    try (ChatServer proxied = ServerFixture.fastDemo().allowHost("voice.example.com").start()) {
      assertEquals(200, call(http, new Request.Builder().url(proxied.url() + "/chat/metrics")
          .header("Host", "voice.example.com").build()).status());
      assertEquals(200, get(http, proxied.url() + "/chat/metrics").status(), "loopback names still work");
      assertEquals(421, call(http, new Request.Builder().url(proxied.url() + "/chat/metrics")
          .header("Host", "other.example.com").build()).status());
    }
  }

  @Test
  void aClientMayHoldOnlySoManyWebSocketsEvenWhenItsHandshakesRace() throws Exception {
    try (ChatServer capped = ServerFixture.fastDemo().maxConnectionsPerClient(2).start()) {
      List<WsClient> clients = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        clients.add(new WsClient(http, ws(capped))); // all handshakes in flight at once
      }
      int ready = 0;
      for (WsClient c : clients) {
        WsClient.Received first = c.firstOrClosed();
        if (first == null) {
          assertEquals(-429, c.closed.get(20, java.util.concurrent.TimeUnit.SECONDS), "refused at upgrade");
        } else if (first.is("ready")) {
          ready++;
        } else {
          assertEquals("too_many_connections", first.json().path("code").asText(), "refused once connected");
          assertEquals(1008, c.closed.get(20, java.util.concurrent.TimeUnit.SECONDS));
        }
      }
      assertEquals(2, ready, "exactly the limit got through");
      clients.forEach(WsClient::close);
      ServerFixture.await("the closed sockets free their slots", () -> capped.openWebSockets() == 0);
      try (WsClient again = new WsClient(http, ws(capped))) {
        assertTrue(again.expect("ready").path("demo").asBoolean(), "slots are given back on close");
      }
    }
  }

  @Test
  void aRefusedUpgradeAnswersWithAJsonError() throws Exception {
    try (ChatServer fresh = ServerFixture.fastDemo().start();
        java.net.Socket socket = new java.net.Socket("127.0.0.1", fresh.port())) {
      socket.getOutputStream().write(("GET /chat/ws HTTP/1.1\r\nHost: 127.0.0.1:" + fresh.port()
          + "\r\nOrigin: https://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.setSoTimeout(20_000);
      java.io.InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        assertTrue(c >= 0, "the response ended inside its headers: " + head);
        head.append((char) c);
      }
      String response = head.toString();
      assertTrue(response.startsWith("HTTP/1.1 403"), response);
      java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(response);
      assertTrue(length.find(), response);
      String body = new String(in.readNBytes(Integer.parseInt(length.group(1))), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals("origin_not_allowed", WsClient.JSON.readTree(body).path("error").path("code").asText(), response);
      java.util.regex.Pattern rejected = java.util.regex.Pattern
          .compile("officehours_server_rejected_total\\{code=\"origin_not_allowed\"[^}]*\\} ([0-9.]+)");
      // counted by Javalin's exception mapper just after the refusal is written: it may lag the body
      ServerFixture.await("the refusal is counted", () -> {
        try {
          return rejected.matcher(get(http, fresh.url() + "/metrics").body()).find();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      String prometheus = get(http, fresh.url() + "/metrics").body();
      java.util.regex.Matcher counted = rejected.matcher(prometheus);
      assertTrue(counted.find(), prometheus);
      assertEquals(1.0, Double.parseDouble(counted.group(1)), "one refusal, counted once");
    }
  }

  @Test
  void aMalformedAudioTypeIsRefusedNotAServerError() throws Exception {
    try (MockWebServer stt = new MockWebServer()) {
      stt.start();
      try (ChatServer withStt = ServerFixture.fastDemo()
          .stt(OpenAiTranscription.builder().baseUrl(stt.url("/v1").toString()).apiKey("sk-stt").build()).start()) {
        for (String type : new String[] {"audio/", "audio/x y", "application/octet-stream"}) {
          Answer a = call(http, new Request.Builder().url(withStt.url() + "/chat/transcribe")
              .header("Content-Type", type).post(RequestBody.create(new byte[] {1, 2, 3}, null)).build());
          assertEquals(415, a.status(), type + ": " + a.body());
        }
        Answer empty = call(http, new Request.Builder().url(withStt.url() + "/chat/transcribe")
            .post(RequestBody.create(new byte[0], MediaType.get("audio/wav"))).build());
        assertEquals("empty_audio", empty.code());
        assertEquals(0, stt.getRequestCount(), "nothing reached the provider");
      }
    }
  }

  @Test
  void aWrongMethodIsA405OrA404WithAJsonBody() throws Exception {
    Answer a = call(http, new Request.Builder().url(server.url() + "/chat/stream").put(RequestBody.create("{}",
        ServerFixture.JSON_TYPE)).build());
    assertTrue(a.status() == 405 || a.status() == 404, a.status() + " " + a.body());
    assertFalse(a.code().isEmpty(), a.body());
  }

  @Test
  void ipv6ClientsAreCountedByTheirSlash64() {
    assertEquals(RateLimiter.clientKey("2001:db8:1:2:aaaa::1"), RateLimiter.clientKey("2001:db8:1:2:bbbb::9"));
    assertFalse(RateLimiter.clientKey("2001:db8:1:2::1").equals(RateLimiter.clientKey("2001:db8:1:3::1")));
    assertEquals("203.0.113.7", RateLimiter.clientKey("203.0.113.7"));
    assertEquals("203.0.113.7", RateLimiter.clientKey("203.0.113.7:5678"), "a port is not a new client");
    assertEquals(RateLimiter.clientKey("2001:db8:1:2::1"), RateLimiter.clientKey("[2001:db8:1:2::7]:443"));
    assertEquals("x", RateLimiter.clientKey("x:y"), "name:port: the port is dropped, nothing is resolved");
  }
}
