package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

class ChatCliRedisTest {
  private static RedisServer redis;
  private static int port;

  @BeforeAll
  static void startRedis() throws IOException {
    port = freePort();
    redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
        .setting("save \"\"").setting("appendonly no").build();
    redis.start();
  }

  @AfterAll
  static void stopRedis() throws IOException {
    redis.stop();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String[] chat(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ChatCli.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("OPENAI_API_KEY", "sk-test"));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void aSecondProgramAnswersFromTheCachesTheFirstFilledInRedis(@TempDir Path dir) throws IOException {
    AtomicInteger chatCalls = new AtomicInteger();
    AtomicInteger speechCalls = new AtomicInteger();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
            chatCalls.incrementAndGet();
            return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Two caches. One for speech, one for answers.\"}}]}\n\n"
                    + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
                .build();
          }
          speechCalls.incrementAndGet();
          return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
              .body(new Buffer().write(new byte[4_800])).build();
        }
      });
      server.start();
      String uri = "redis://127.0.0.1:" + port;
      String url = server.url("/v1").toString();
      String[] first = chat("--base-url", url, "--redis", uri, "--session", "first", "--text", "How does caching work?",
          "--out", dir.resolve("a").toString());
      int speechAfterFirst = speechCalls.get();
      String[] second = chat("--base-url", url, "--redis", uri, "--session", "second", "--text",
          "How does caching work?", "--out", dir.resolve("b").toString());

      assertEquals("0", first[0], first[2]);
      assertEquals("0", second[0], second[2]);
      assertEquals(first[1], second[1], "the same answer");
      assertTrue(first[2].matches("(?s).*\\| (\\d+) chunks? \\| cache hits 0/\\1\\n.*"), first[2]);
      assertTrue(second[2].matches("(?s).*\\| (\\d+) chunks? \\| cache hits \\1/\\1 \\(answer from cache\\).*"),
          second[2]);
      assertEquals(1, chatCalls.get(), "the second program did not call the model");
      assertEquals(speechAfterFirst, speechCalls.get(), "nor the speech service");
    }
  }

  @Test
  void anUnreachableRedisIsOneClearLineAndExitCode3() throws IOException {
    int closed = freePort();
    String[] result = chat("--redis", "redis://:secret@127.0.0.1:" + closed, "--text", "Hi", "--no-audio");

    assertEquals(Integer.toString(ChatCli.EXIT_CONNECTION), result[0], result[2]);
    assertTrue(result[2].contains("chat: cannot connect to Redis at redis://***@127.0.0.1:" + closed), result[2]);
    assertTrue(!result[2].contains("secret"), "the password is never printed");
  }
}
