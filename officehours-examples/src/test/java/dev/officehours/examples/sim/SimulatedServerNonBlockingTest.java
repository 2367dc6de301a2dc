package dev.officehours.examples.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The simulated server never blocks on a write: a client that stops reading holds back only its
 * own stream, and the server says how well it kept its schedule.
 */
class SimulatedServerNonBlockingTest {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final OkHttpClient CLIENT = new OkHttpClient.Builder()
      .dispatcher(dispatcher())
      .readTimeout(Duration.ofSeconds(30))
      .build();
  /** About 12 MB of audio: far more than the loopback socket buffers hold (a few MB). */
  private static final String LONG_TEXT = "Hello there, this is a long sentence that nobody will hear. ".repeat(66);
  private static final String SHORT_TEXT = "What is OfficeHours?";

  @AfterAll
  static void shutdown() {
    CLIENT.dispatcher().executorService().shutdown();
    CLIENT.connectionPool().evictAll();
  }

  private static Dispatcher dispatcher() {
    Dispatcher d = new Dispatcher();
    d.setMaxRequests(64);
    d.setMaxRequestsPerHost(64);
    return d;
  }

  @Test
  void clientsThatNeverReadDoNotHoldBackTheOtherStreams() throws Exception {
    // More stalled clients than the old design had stream threads (max(2, cores)): with blocking
    // writes each would pin one, and no other stream would move again.
    int stalledClients = Math.max(3, Runtime.getRuntime().availableProcessors() + 1);
    int answerWords = 40;
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ofMillis(5)).tokenJitter(Duration.ZERO).answerWords(answerWords)
        .ttsTimeToFirstByte(Duration.ZERO).ttsRealTimeFactor(0).start()) {
      List<Socket> stalled = new ArrayList<>();
      try {
        for (int i = 0; i < stalledClients; i++) {
          stalled.add(neverReading(server, LONG_TEXT));
        }
        await("the stalled clients' streams have started", () -> server.stats().activeStreams() == stalledClients);
        server.resetLateness();

        List<CompletableFuture<byte[]>> chats = new ArrayList<>();
        List<CompletableFuture<byte[]>> speeches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          chats.add(fetch(SimulatedOpenAiServerTest.chatRequest(server, "What is OfficeHours?", "")));
        }
        for (int i = 0; i < 2; i++) {
          speeches.add(fetch(speechRequest(server, SHORT_TEXT)));
        }
        for (CompletableFuture<byte[]> chat : chats) {
          String text = new String(chat.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
          assertTrue(text.endsWith("data: [DONE]\n\n"), "the chat stream completed");
          assertEquals(answerWords, text.split("\"delta\":\\{\"content\"").length - 1, "every token arrived");
        }
        for (CompletableFuture<byte[]> speech : speeches) {
          assertEquals(pcmBytes(SHORT_TEXT), speech.get(30, TimeUnit.SECONDS).length, "all of the audio arrived");
        }

        // The stalled streams could not have finished (their audio cannot fit the sockets): they
        // really were stuck the whole time the others ran. (A healthy stream counts itself out just
        // after its last bytes leave, so this waits for that, not for the stalled ones.)
        await("only the stalled streams are left", () -> server.stats().activeStreams() == stalledClients);
        SimulatedOpenAiServer.Lateness lateness = server.lateness();
        assertTrue(lateness.writes() >= 4 * answerWords, "the healthy streams' writes were measured: " + lateness);
        // generous: blocked writes would make it seconds, or the streams would never end at all
        assertTrue(lateness.p99Millis() < 1_000, "the simulator kept its schedule: " + lateness);
      } finally {
        for (Socket s : stalled) {
          s.close();
        }
      }
      await("the stalled streams end once their clients leave", () -> server.stats().activeStreams() == 0);
    }
  }

  @Test
  void latenessCountsEveryScheduledWriteUntilReset() throws Exception {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ofMillis(2)).tokenJitter(Duration.ZERO).answerWords(5).start()) {
      assertEquals(0, server.lateness().writes(), "nothing written yet");

      fetch(SimulatedOpenAiServerTest.chatRequest(server, "What is OfficeHours?", "")).get(30, TimeUnit.SECONDS);

      SimulatedOpenAiServer.Lateness after = server.lateness();
      assertEquals(5, after.writes(), "one scheduled write per token (the role chunk goes out with the headers)");
      assertTrue(after.p50Millis() <= after.p99Millis() && after.p99Millis() <= after.maxMillis(), after.toString());
      assertEquals(after, server.lateness(), "reading it does not reset it");

      server.resetLateness();
      assertEquals(new SimulatedOpenAiServer.Lateness(0, 0, 0, 0, 0), server.lateness());
      assertEquals(0, server.stalledWrites());
    }
  }

  @Test
  void aClientThatLeavesMidStreamFreesItsStream() throws Exception {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ofMillis(20)).tokenJitter(Duration.ZERO).answerWords(500).start()) {
      try (Socket client = send(server, "/v1/chat/completions", "{\"stream\":true,\"messages\":"
          + "[{\"role\":\"user\",\"content\":\"What is OfficeHours?\"}]}", 65_536)) {
        readUntil(client.getInputStream(), "\"delta\":{\"content\"");
        assertEquals(1, server.stats().activeStreams());
        client.setSoLinger(true, 0); // leave at once, as a crashed client does
      }

      await("the stream ends", () -> server.stats().activeStreams() == 0);
      assertEquals(1, server.abandonedStreams(), "counted as a stream whose client left");
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A client that asks for speech and never reads the answer, with a tiny receive buffer. */
  private static Socket neverReading(SimulatedOpenAiServer server, String text) throws IOException {
    return send(server, "/v1/audio/speech", speechJson(text), 4096);
  }

  private static Socket send(SimulatedOpenAiServer server, String path, String json, int receiveBuffer)
      throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBuffer); // before connecting, so the window is small from the start
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(body);
    socket.getOutputStream().flush();
    return socket;
  }

  private static void readUntil(InputStream in, String marker) throws IOException {
    StringBuilder seen = new StringBuilder();
    byte[] buffer = new byte[4096];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      if (seen.indexOf(marker) >= 0) {
        return;
      }
    }
    throw new AssertionError("the stream ended before " + marker + ": " + seen);
  }

  private static String speechJson(String text) {
    return "{\"model\":\"tts\",\"input\":" + Json.quote(text) + ",\"voice\":\"alloy\",\"response_format\":\"pcm\"}";
  }

  private static Request speechRequest(SimulatedOpenAiServer server, String text) {
    return new Request.Builder().url(server.baseUrl() + "/audio/speech")
        .post(RequestBody.create(speechJson(text), JSON_TYPE)).build();
  }

  private static long pcmBytes(String text) {
    long n = 0;
    for (byte[] segment : SyntheticVoice.segments(text)) {
      n += segment.length;
    }
    return n;
  }

  private static CompletableFuture<byte[]> fetch(Request request) {
    CompletableFuture<byte[]> body = new CompletableFuture<>();
    CLIENT.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        body.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call call, Response response) throws IOException {
        try (response) {
          body.complete(response.body().bytes());
        }
      }
    });
    return body;
  }

  /** Waits for a state the server reaches on its own; polling the condition, not timing it. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
