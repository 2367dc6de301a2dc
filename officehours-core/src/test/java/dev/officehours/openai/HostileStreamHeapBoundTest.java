package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A hostile server over loopback answers 200 and then streams hundreds of megabytes that never
 * make a complete event, as fast as the client reads. Runs in the forked small-heap JVM (96 MB):
 * a reader that buffered what it was sent would die with OutOfMemoryError long before the end.
 */
@Tag("heap-bound")
class HostileStreamHeapBoundTest {
  /** Far more than the heap: the server stops by itself after this much. */
  private static final long TOTAL_BYTES = 400L * 1024 * 1024;
  private static final int BLOCK = 64 * 1024;

  @Test
  void anEndlessLineFailsAtTheLimitWithoutFillingTheHeap() throws Exception {
    byte[] block = new byte[BLOCK];
    Arrays.fill(block, (byte) 'x');
    Outcome o = streamFromHostileServer("data: ", block);

    assertTrue(o.error.getMessage().contains("line of the event stream"), o.error.getMessage());
    assertOverLimitAndCutShort(o);
  }

  @Test
  void anEndlessEventOfShortDataLinesFailsAtTheLimitWithoutFillingTheHeap() throws Exception {
    byte[] block = "data: xxxxxxxxxxxxxxxxxxxxxxxxxx\n".repeat(BLOCK / 33)
        .getBytes(StandardCharsets.US_ASCII);
    Outcome o = streamFromHostileServer("", block);

    assertTrue(o.error.getMessage().contains("an event of the stream"), o.error.getMessage());
    assertOverLimitAndCutShort(o);
  }

  private static void assertOverLimitAndCutShort(Outcome o) {
    ProviderException e = o.error;
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains(OpenAiChat.DEFAULT_MAX_EVENT_BYTES + " bytes"),
        e.getMessage());
    assertTrue(e.getMessage().contains("OpenAiChat.Builder.maxEventBytes"), e.getMessage());
    // The client closed the connection soon after the limit: the server could send only the
    // limit plus what the socket buffers hold, not the 400 MB it meant to.
    assertTrue(o.serverWrote < 32L * 1024 * 1024, "server wrote " + o.serverWrote + " bytes");
    System.out.printf("hostile stream: server wrote %.1f MiB before the client closed; error after"
        + " %d ms; heap max %.0f MiB%n", o.serverWrote / 1048576.0, o.millis,
        Runtime.getRuntime().maxMemory() / 1048576.0);
  }

  private record Outcome(ProviderException error, long serverWrote, long millis) {}

  private static Outcome streamFromHostileServer(String prefix, byte[] block) throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      AtomicLong written = new AtomicLong();
      CompletableFuture<Void> server = new CompletableFuture<>();
      Thread serverThread = new Thread(() -> {
        try (Socket socket = listener.accept()) {
          readRequestHead(socket.getInputStream());
          OutputStream out = socket.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
              + "Connection: close\r\n\r\n" + prefix).getBytes(StandardCharsets.US_ASCII));
          while (written.get() < TOTAL_BYTES) {
            out.write(block);
            written.addAndGet(block.length);
          }
          server.complete(null);
        } catch (IOException e) {
          // The client closed the connection: the expected end.
          server.complete(null);
        } catch (RuntimeException e) {
          server.completeExceptionally(e);
        }
      }, "hostile-sse-server");
      serverThread.setDaemon(true);
      serverThread.start();

      OpenAiChat chat = OpenAiChat.builder()
          .baseUrl("http://127.0.0.1:" + listener.getLocalPort() + "/v1")
          .retryPolicy(RetryPolicy.NONE)
          .build();
      RecordingListener l = new RecordingListener();
      long start = System.nanoTime();
      chat.stream(ChatRequest.builder(List.of(ChatMessage.user("Hello"))).build(), l);
      ProviderException error = (ProviderException) l.awaitError();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      server.get(30, TimeUnit.SECONDS);
      return new Outcome(error, written.get(), millis);
    }
  }

  private static void readRequestHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request ended early");
      }
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }
}
