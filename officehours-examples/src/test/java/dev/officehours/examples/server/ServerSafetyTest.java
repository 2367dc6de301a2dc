package dev.officehours.examples.server;

import static dev.officehours.examples.server.ServerFixture.await;
import static dev.officehours.examples.server.ServerFixture.get;
import static dev.officehours.examples.server.ServerFixture.ws;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.ConversationPipeline;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.tts.AudioFormat;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Test;

/** Clients that stop reading or vanish mid-turn leave nothing behind. */
class ServerSafetyTest {

  @Test
  void aClientThatStopsReadingHasItsTurnCancelledAndItsSocketClosed() throws Exception {
    SimulatedOpenAiServer sim = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(5))
        .tokenInterval(Duration.ofMillis(1)).answerWords(2000).ttsTimeToFirstByte(Duration.ofMillis(1))
        .ttsRealTimeFactor(0.001).start();
    ConversationPipeline.Builder pipeline = ConversationPipeline.builder()
        .llm(OpenAiChat.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL).build())
        .tts(OpenAiSpeech.builder().baseUrl(sim.baseUrl()).model("tts").voice("alloy").format(AudioFormat.PCM_24K)
            .build())
        .maxTokens(4000)
        .speechLookahead(Duration.ofHours(1)); // synthesise far ahead of playback: the socket must push back
    try (ChatServer server = ChatServer.builder().port(0).rateLimitPerMinute(0).sendBufferBytes(256 * 1024)
        .pipeline(pipeline).closeWith(sim).start();
        Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
      OutputStream out = socket.getOutputStream();
      out.write(("GET /chat/ws?session=slow HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String response = readHeaders(in);
      assertTrue(response.startsWith("HTTP/1.1 101"), response);
      out.write(maskedText("{\"type\":\"start\",\"text\":\"Tell me everything.\"}"));
      out.flush();
      // ...and never read again
      await("the slow client's turn is cancelled", () -> server.activeTurns() == 0
          && prometheus(server).contains("code=\"client_slow\""));
      await("its socket is closed", () -> server.openWebSockets() == 0);
      assertTrue(get(ServerFixture.http(), server.url() + "/chat/metrics").json().path("turns").path("cancelled")
          .asLong() == 1);
    }
  }

  private static String prometheus(ChatServer server) {
    try {
      return get(ServerFixture.http(), server.url() + "/metrics").body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String readHeaders(InputStream in) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.append((char) c);
    }
    return b.toString();
  }

  private static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    byte[] frame = new byte[2 + 4 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length); // short messages only
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }

  @Test
  void twoHundredClientsVanishingMidTurnLeaveNoTurnThreadOrHeapBehind() throws Exception {
    try (ChatServer server = ChatServer.builder().port(0).rateLimitPerMinute(0).maxConnectionsPerClient(0)
        .demo(SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(20)).tokenInterval(Duration.ofMillis(20))
            .ttsTimeToFirstByte(Duration.ofMillis(10)).ttsRealTimeFactor(0.2), false).start()) {
      OkHttpClient http = new OkHttpClient.Builder().build();
      http.dispatcher().setMaxRequests(1000);
      http.dispatcher().setMaxRequestsPerHost(1000);
      churn(http, server, 200); // warm up: thread pools and caches grow to their working size once
      long threadsBefore = serverThreads();
      long heapBefore = usedHeapAfterGc();
      churn(http, server, 200);
      await("no turn is left active", () -> server.activeTurns() == 0);
      await("no socket is left open", () -> server.openWebSockets() == 0);
      long threadsAfter = serverThreads();
      long heapAfter = usedHeapAfterGc();
      // Pools grow and shrink with load (more on a busy machine), but a thread left behind per
      // vanished client would add 200: the second wave must add far fewer than that.
      assertTrue(threadsAfter < threadsBefore + 100, "threads " + threadsBefore + " -> " + threadsAfter);
      assertTrue(heapAfter - heapBefore < 48L * 1024 * 1024, "heap " + heapBefore / 1024 + " KiB -> "
          + heapAfter / 1024 + " KiB");
      assertEquals(0, get(ServerFixture.http(), server.url() + "/chat/metrics").json().path("turns")
          .path("active").asInt());
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /** {@code n} clients each start a turn and drop the connection as soon as its audio begins. */
  private static void churn(OkHttpClient http, ChatServer server, int n) throws InterruptedException {
    CountDownLatch gone = new CountDownLatch(n);
    java.util.concurrent.atomic.AtomicInteger midTurn = new java.util.concurrent.atomic.AtomicInteger();
    List<WebSocket> sockets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String session = "churn-" + i;
      sockets.add(http.newWebSocket(new okhttp3.Request.Builder().url(ws(server) + "?session=" + session).build(),
          new WebSocketListener() {
            final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void onOpen(WebSocket webSocket, okhttp3.Response response) {
              webSocket.send("{\"type\":\"start\",\"text\":\"What is OfficeHours?\"}");
            }

            @Override
            public void onMessage(WebSocket webSocket, okio.ByteString bytes) {
              webSocket.cancel(); // vanish mid-turn, without a close handshake
              if (done.compareAndSet(false, true)) {
                midTurn.incrementAndGet();
                gone.countDown();
              }
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
              webSocket.cancel(); // closed by the server before any audio: a failure the count must see
              if (done.compareAndSet(false, true)) {
                gone.countDown();
              }
            }

            @Override
            public void onFailure(WebSocket webSocket, Throwable t, okhttp3.Response response) {
              if (done.compareAndSet(false, true)) {
                gone.countDown(); // cancel() above reports here too: count each client once
              }
            }
          }));
    }
    assertTrue(gone.await(60, TimeUnit.SECONDS), "every client got its first audio and vanished");
    assertEquals(n, midTurn.get(), "every client was in the middle of its turn when it vanished");
  }

  private static long serverThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .filter(t -> !t.getName().startsWith("OkHttp")).count();
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
