package dev.officehours.examples.server;

import static dev.officehours.examples.server.ServerFixture.get;
import static dev.officehours.examples.server.ServerFixture.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/** Two servers sharing one real Redis: a conversation continues on whichever server a client reaches. */
class ServerRedisTest {
  private static RedisServer redis;
  private static int port;

  @BeforeAll
  static void startRedis() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
        .setting("save \"\"").setting("appendonly no").build();
    redis.start();
  }

  @AfterAll
  static void stopRedis() throws IOException {
    redis.stop();
  }

  private static ChatServer serve(ByteArrayOutputStream out) {
    String[] argv = {"--demo", "--sim-voice", "--port", "0", "--rate-limit", "off", "--sim-ttft", "20ms",
        "--sim-token-interval", "2ms", "--redis", "redis://127.0.0.1:" + port};
    return ServeCommand.start(argv, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        ServeCommand.secrets(argv, Map.of()));
  }

  @Test
  void aSessionStartedOnOneServerContinuesOnTheOther() throws Exception {
    OkHttpClient http = ServerFixture.http();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (ChatServer a = serve(printed); ChatServer b = serve(printed)) {
      assertTrue(printed.toString(StandardCharsets.UTF_8).contains("history and caches in Redis"), printed.toString());
      assertEquals(200, postJson(http, a.url() + "/chat/stream",
          "{\"session\":\"roaming\",\"text\":\"How does caching work?\"}").status());

      JsonNode onB = get(http, b.url() + "/chat/history/roaming").json().path("messages");
      assertEquals(2, onB.size(), "server B reads the exchange server A stored");
      assertEquals("How does caching work?", onB.get(0).path("text").asText());

      assertEquals(200, postJson(http, b.url() + "/chat/stream",
          "{\"session\":\"roaming\",\"text\":\"And with Redis?\"}").status());
      JsonNode onA = get(http, a.url() + "/chat/history/roaming").json().path("messages");
      assertEquals(4, onA.size(), "and A sees B's follow-up: one conversation across both");
      assertEquals("And with Redis?", onA.get(2).path("text").asText());

      assertTrue(get(http, a.url() + "/chat/metrics").json().path("caches").has("answer"));
    }
  }
}
