package dev.officehours.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Shared helpers of the server tests: a fast demo server, HTTP calls, waiting on a condition. */
final class ServerFixture {
  static final MediaType JSON_TYPE = MediaType.get("application/json");

  private ServerFixture() {}

  /** Demo mode with a quick simulated model and the simulated voice: turns take well under a second. */
  static ChatServer.Builder fastDemo() {
    return ChatServer.builder().port(0).rateLimitPerMinute(0)
        .demo(SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(20))
            .tokenInterval(Duration.ofMillis(2)).ttsTimeToFirstByte(Duration.ofMillis(10)).ttsRealTimeFactor(0.01),
            false);
  }

  static OkHttpClient http() {
    return new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS).build();
  }

  /** An HTTP answer: status, headers of interest, body. */
  record Answer(int status, String body, okhttp3.Headers headers) {
    JsonNode json() throws IOException {
      return WsClient.JSON.readTree(body);
    }

    String code() throws IOException {
      return json().path("error").path("code").asText();
    }
  }

  static Answer call(OkHttpClient http, Request request) throws IOException {
    try (Response r = http.newCall(request).execute()) {
      return new Answer(r.code(), r.body().string(), r.headers());
    }
  }

  static Answer get(OkHttpClient http, String url) throws IOException {
    return call(http, new Request.Builder().url(url).build());
  }

  static Answer postJson(OkHttpClient http, String url, String json) throws IOException {
    return call(http, new Request.Builder().url(url).post(RequestBody.create(json, JSON_TYPE)).build());
  }

  /** Waits for a condition the server reaches on its own (a count going back to zero). */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.onSpinWait();
      TimeUnit.MILLISECONDS.sleep(5); // polling a condition, not timing: the assertion is the condition
    }
  }

  static String ws(ChatServer server) {
    return server.url().replace("http://", "ws://") + "/chat/ws";
  }
}
