package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.examples.server.ChatServer;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load tester against the real example server, started in this JVM on a free port: the same
 * load models over WebSocket and SSE, what the client measures, and the server's own metrics beside it.
 */
class ServerLoadTest {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  /** A demo server whose simulated model and voice are fast: these tests check counting, not speed. */
  private static ChatServer fastServer(int rateLimitPerMinute) {
    return ChatServer.builder()
        .demo(SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(5)).tokenInterval(Duration.ofMillis(1))
            .tokenJitter(Duration.ZERO).answerWords(12).ttsTimeToFirstByte(Duration.ofMillis(5)).ttsRealTimeFactor(0),
            false)
        .port(0).rateLimitPerMinute(rateLimitPerMinute).start();
  }

  private static String ws(ChatServer server) {
    return server.url().replace("http://", "ws://") + "/chat/ws";
  }

  private static LoadReport run(LoadTarget target, LoadPlan plan) {
    LoadReport.Settings settings = LoadReport.Settings.remote(plan.describe(), target.describe(), 0.3);
    return LoadTester.execute(target, plan, new QuestionMix(QuestionMix.builtIn(), 0.3, 42), settings, List.of(), null,
        Duration.ZERO);
  }

  private static void assertEveryTurnMeasuredWithTheServerBesideIt(LoadReport r, int turns) {
    assertEquals(turns, r.sent());
    assertEquals(turns, r.completed(), r.errors() + " " + r.errorExamples());
    assertEquals(turns, r.ttft().count(), "every turn's first text was timed");
    assertEquals(turns, r.ttfa().count(), "every turn's first audio was timed");
    assertEquals(turns, r.total().count());
    assertTrue(r.ttft().p50() <= r.ttfa().p50() && r.ttfa().p50() <= r.total().p50(), "TTFT <= TTFA <= total");
    assertTrue(r.bytesPerTurn().p50() > 0, "audio arrived");
    ServerObservation server = r.server().orElseThrow();
    assertEquals(0, server.failedScrapes(), server.problem());
    ServerMetrics.Turns during = server.turnsDuringRun().orElseThrow();
    assertEquals(turns, during.started(), "the server saw the turns the client sent");
    assertEquals(turns, during.completed());
    assertEquals(0, during.active(), "no turn left behind");
    assertTrue(server.after().ttfaMs().count() >= turns, "the server timed them too");
    assertTrue(server.after().jvm().heapUsedBytes() > 0, "the server's heap was scraped");
    String md = r.markdown();
    assertTrue(md.contains("## Server (its own metrics, GET ") && md.contains("| TTFA, since the server started |"), md);
    assertTrue(md.contains("| TTFA, client minus server, per turn | " + turns + " |"), md);
    assertEquals(turns, r.serverTtfa().count(), "each turn-complete carried the server's own TTFA");
    assertEquals(turns, r.accepted().count(), "each turn-started was timed");
    assertTrue(r.accepted().p50() <= r.ttft().p50(), "the server accepts a turn before it answers");
    assertTrue(r.serverTtfa().p50() <= r.ttfa().p50(), "the client sees the audio after the server sent it");
  }

  @Test
  void aClosedRunOverWebSocketAgainstTheDemoServerMeasuresEveryTurnWithTheServersMetricsBesideIt() {
    try (ChatServer server = ChatServer.builder().demo().port(0).rateLimitPerMinute(0).start();
        WebSocketTarget target = new WebSocketTarget(ws(server), DEADLINE)) {
      LoadReport r = run(target, new LoadPlan.Closed(4, 2));

      assertEveryTurnMeasuredWithTheServerBesideIt(r, 8);
      assertEquals(4L, target.stats().get("websocketConnectionsOpened"), "one connection per client, reused");
      assertEquals(4, target.stats().get("mostWebsocketConnectionsOpenAtOnce"));
      assertEquals(4, r.server().orElseThrow().peakWebSocketConnections(), "the server saw them too");
      assertTrue(r.gaps().count() > 0, "chunks were told apart by their frames' headers");
    }
  }

  @Test
  void aClosedRunOverSseMeasuresEveryTurnWithTheServersMetricsBesideIt() {
    try (ChatServer server = fastServer(0);
        SseTarget target = new SseTarget(server.url() + "/chat/stream", DEADLINE)) {
      LoadReport r = run(target, new LoadPlan.Closed(4, 2));

      assertEveryTurnMeasuredWithTheServerBesideIt(r, 8);
      assertEquals(8L, target.stats().get("streamRequests"));
    }
  }

  @Test
  void anOpenRunOverWebSocketCountsEveryTurnItScheduled() {
    try (ChatServer server = fastServer(0);
        WebSocketTarget target = new WebSocketTarget(ws(server), DEADLINE)) {
      LoadReport r = run(target, new LoadPlan.Open(40, Duration.ofMillis(250)));

      assertEquals(10, r.sent());
      assertEquals(10, r.completed(), r.errors() + " " + r.errorExamples());
      assertEquals(10, r.server().orElseThrow().turnsDuringRun().orElseThrow().completed());
    }
  }

  @Test
  void aRateLimitedServerShowsRateLimitedAsTheCauseOfItsErrors() {
    try (ChatServer server = fastServer(1);
        WebSocketTarget ws = new WebSocketTarget(ws(server), DEADLINE);
        SseTarget sse = new SseTarget(server.url() + "/chat/stream", DEADLINE)) {
      LoadReport r = run(ws, new LoadPlan.Closed(1, 3));

      assertEquals(1, r.completed(), "the limit lets one turn a minute through");
      assertEquals(java.util.Map.of("rate_limited", 2L), r.errors());
      assertTrue(r.markdown().contains("start the server with `serve --rate-limit off`"), r.markdown());
      assertTrue(r.recommendations().get(0).contains("--rate-limit off"), r.recommendations().toString());
      assertEquals(java.util.Map.of("rate_limited", 2L), run(sse, new LoadPlan.Closed(1, 2)).errors(),
          "SSE: a 429 with the server's JSON error");
    }
  }

  @Test
  void aServerThatLimitsSocketsPerClientShowsTooManyConnectionsAsTheCause() throws Exception {
    try (ChatServer server = ChatServer.builder()
            .demo(SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(5))
                .tokenInterval(Duration.ofMillis(1)).answerWords(12).ttsTimeToFirstByte(Duration.ofMillis(5))
                .ttsRealTimeFactor(0), false)
            .port(0).rateLimitPerMinute(0).maxConnectionsPerClient(2).start();
        WebSocketTarget target = new WebSocketTarget(ws(server), DEADLINE)) {
      // two sessions that keep their sockets (they never end) hold the client's two
      for (String session : new String[] {"holds-1", "holds-2"}) {
        assertTrue(!target.send(session, "What is OfficeHours?").toCompletableFuture().get(60, TimeUnit.SECONDS)
            .failed());
      }
      LoadReport r = run(target, new LoadPlan.Closed(2, 1));

      assertEquals(0, r.completed());
      assertEquals(2L, r.failed());
      // the refused upgrade's JSON body names the code
      assertEquals(java.util.Map.of("too_many_connections", 2L), r.errors(), r.errorExamples().toString());
      assertTrue(r.markdown().contains("`serve --max-connections-per-client off`"), r.markdown());
    }
  }

  @Test
  void aQuestionTheServerRefusesIsCountedUnderItsCode() throws Exception {
    String tooLong = "Why? ".repeat(1_000); // 5,000 characters; the server takes 4,000
    try (ChatServer server = fastServer(0);
        WebSocketTarget ws = new WebSocketTarget(ws(server), DEADLINE);
        SseTarget sse = new SseTarget(server.url() + "/chat/stream", DEADLINE)) {
      assertEquals("text_too_long", ws.send("s1", tooLong).toCompletableFuture().get(60, TimeUnit.SECONDS).errorCode());
      assertEquals("text_too_long", sse.send("s1", tooLong).toCompletableFuture().get(60, TimeUnit.SECONDS).errorCode());
      assertEquals("bad_session", ws.send("no spaces allowed", "Hi").toCompletableFuture().get(60, TimeUnit.SECONDS)
          .errorCode());
      TurnSample after = ws.send("s1", "What is OfficeHours?").toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertTrue(!after.failed(), "the connection still serves turns after refused ones: " + after.errorMessage());
    }
  }

  private static int portWithNothingListening() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void nothingListeningIsCountedAsConnectionRefused() throws Exception {
    int port = portWithNothingListening();
    try (WebSocketTarget ws = new WebSocketTarget("ws://127.0.0.1:" + port + "/chat/ws", DEADLINE);
        SseTarget sse = new SseTarget("http://127.0.0.1:" + port + "/chat/stream", DEADLINE)) {
      for (LoadTarget target : List.of(ws, sse)) {
        LoadReport r = run(target, new LoadPlan.Closed(2, 2));

        assertEquals(4, r.failed(), target.describe());
        assertEquals(java.util.Map.of("connection_refused", 4L), r.errors());
        assertEquals(2, r.server().orElseThrow().failedScrapes(), "before and after: no server to scrape");
        assertTrue(r.markdown().contains("No figures: the server's metrics could not be read."), r.markdown());
        assertTrue(r.recommendations().get(0).contains("nothing listening"), r.recommendations().toString());
      }
    }
  }

  @Test
  void theCommandLineRefusesToRunWhenNothingListensWithExitCodeThree() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(new String[] {"--target", "ws://127.0.0.1:" + portWithNothingListening() + "/chat/ws",
        "--latency-tests", "2", "--no-progress"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(LoadTester.EXIT_FAILED, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("nothing listens at http://127.0.0.1:"), err.toString());
  }

  @Test
  void theCommandLineRunsAgainstAServerAndWritesItsMetricsIntoTheReport(@TempDir Path dir) throws Exception {
    try (ChatServer server = fastServer(0)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = LoadTester.run(new String[] {"--target", ws(server), "--concurrent-clients", "3",
          "--requests-per-client", "2", "--warmup", "3", "--scrape-interval", "50ms", "--max-error-rate", "0%",
          "--no-progress", "--report", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));

      assertEquals(LoadTester.EXIT_OK, code, err.toString(StandardCharsets.UTF_8) + out);
      JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
      assertEquals(6, json.path("completed").asInt(), json.toString());
      assertTrue(json.path("settings").path("remote").asBoolean());
      JsonNode s = json.path("server");
      assertEquals(server.url() + "/chat/metrics", s.path("url").asText());
      assertEquals(6, s.path("turnsDuringRun").path("completed").asInt(), "the warm-up is not in the run: " + s);
      assertTrue(s.path("peaks").path("heapUsedBytes").asLong() > 0, s.toString());
      assertTrue(s.path("after").path("latency").path("ttfaMs").path("count").asInt() >= 9, "warm-up and run: " + s);
      String md = out.toString(StandardCharsets.UTF_8);
      assertTrue(md.contains("caches, retries and TTS concurrency are the server's own"), md);
    }
  }

  @Test
  void simulatedModelFlagsAreRefusedForAServerTarget() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(new String[] {"--target", "ws://127.0.0.1:5001/chat/ws", "--llm-ttft", "100ms"},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(LoadTester.EXIT_USAGE, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--llm-ttft sets up the in-process pipeline"),
        err.toString());
  }

  @Test
  void aTargetThatIsNeitherInProcessNorAServerUrlIsAUsageError() {
    for (String target : new String[] {"ftp://127.0.0.1/chat", "127.0.0.1:5001", "ws://user:secret@127.0.0.1/chat/ws"}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = LoadTester.run(new String[] {"--target", target}, new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8));

      assertEquals(LoadTester.EXIT_USAGE, code, target);
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("--target"), err.toString());
      assertTrue(!err.toString(StandardCharsets.UTF_8).contains("secret"), "credentials are not echoed: " + err);
    }
  }
}
