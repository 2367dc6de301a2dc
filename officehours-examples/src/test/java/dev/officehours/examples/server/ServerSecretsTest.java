package dev.officehours.examples.server;

import static dev.officehours.examples.server.ServerFixture.get;
import static dev.officehours.examples.server.ServerFixture.postJson;
import static dev.officehours.examples.server.ServerFixture.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.ConversationPipeline;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** The server's API key never reaches a browser, a response, the metrics or the log. */
class ServerSecretsTest {
  private static final String KEY = "sk-test-SECRET-7f3a9c41d2e8";

  @Test
  void theKeyAppearsInNoResponsePageMetricOrLogLineEvenWhenTheProviderEchoesIt() throws Exception {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<String> seen = new ArrayList<>();
    try (MockWebServer provider = new MockWebServer()) {
      provider.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          // what OpenAI answers to a wrong key: the key itself, quoted back
          return new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
              .body("{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ". You can find your API key"
                  + " at https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\","
                  + "\"code\":\"invalid_api_key\"}}").build();
        }
      });
      provider.start();
      String base = provider.url("/v1").toString();
      System.setErr(new PrintStream(new TeeStream(originalErr, log), true, StandardCharsets.UTF_8));
      ConversationPipeline.Builder pipeline = ConversationPipeline.builder()
          .llm(OpenAiChat.builder().baseUrl(base).apiKey(KEY).retryPolicy(RetryPolicy.NONE).build())
          .tts(OpenAiSpeech.builder().baseUrl(base).apiKey(KEY).retryPolicy(RetryPolicy.NONE).build());
      try (ChatServer server = ChatServer.builder().port(0).rateLimitPerMinute(0).pipeline(pipeline).secret(KEY)
          .start()) {
        OkHttpClient http = ServerFixture.http();
        try (WsClient c = new WsClient(http, ws(server) + "?session=secret")) {
          c.expect("ready");
          c.send("{\"type\":\"start\",\"text\":\"Hello?\"}");
          c.expect("turn-started");
          JsonNode error = c.expect("error");
          assertEquals("provider_auth", error.path("code").asText());
          for (WsClient.Received r : c.all) {
            if (r.json() != null) {
              seen.add(r.json().toString());
            }
          }
        }
        ServerFixture.Answer sse = postJson(http, server.url() + "/chat/stream", "{\"session\":\"secret\",\"text\":\"Hi\"}");
        assertTrue(sse.body().contains("provider_auth"), sse.body());
        seen.add(sse.body());
        for (String path : new String[] {"/", "/monitor", "/chat/metrics", "/metrics", "/chat/history/secret",
            "/app.js", "/monitor.js", "/no-such-thing"}) {
          ServerFixture.Answer a = get(http, server.url() + path);
          seen.add(path + " -> " + a.status() + " " + a.body() + " " + a.headers());
        }
        seen.add(postJson(http, server.url() + "/chat/stream", "{bad").body());
      }
    } finally {
      System.setErr(originalErr);
    }
    String logged = log.toString(StandardCharsets.UTF_8);
    for (String s : seen) {
      assertFalse(s.contains(KEY) || s.contains("7f3a9c41d2e8"), "the key leaked into: " + s);
    }
    assertFalse(logged.contains(KEY) || logged.contains("7f3a9c41d2e8"), "the key leaked into the log: " + logged);
    assertTrue(seen.size() >= 10);
  }

  /** Writes to two streams: the test still shows its log, and the copy is searched. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
