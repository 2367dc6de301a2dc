package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class HttpTest {

  @Test
  void theSharedClientIsOneInstanceWithVoiceFriendlySettings() {
    OkHttpClient client = Http.sharedClient();
    assertSame(client, Http.sharedClient());
    assertEquals(5_000, client.connectTimeoutMillis());
    assertEquals(20_000, client.readTimeoutMillis());
    assertEquals(0, client.callTimeoutMillis());
    assertEquals(16_384, client.dispatcher().getMaxRequests());
    assertEquals(16_384, client.dispatcher().getMaxRequestsPerHost());
    assertTrue(client.protocols().contains(Protocol.HTTP_2));
  }

  @Test
  void callsRunOnVirtualThreadsOrNamedDaemonThreads() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.start();
      server.enqueue(new MockResponse.Builder().body("ok").build());
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      Http.sharedClient().newCall(new Request.Builder().url(server.url("/")).build())
          .enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
              thread.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call call, Response response) {
              response.close();
              thread.complete(Thread.currentThread());
            }
          });
      Thread t = thread.get(10, TimeUnit.SECONDS);
      // OkHttp renames a thread while it runs a call, so the name is checked on a thread made by
      // the executor's own factory rather than on a pooled one that may be mid-call.
      if (Runtime.version().feature() >= 21) {
        assertTrue(Http.usesVirtualThreads());
        assertTrue((Boolean) Thread.class.getMethod("isVirtual").invoke(t), t.toString());
      } else {
        assertTrue(!Http.usesVirtualThreads());
        assertTrue(t.isDaemon(), t.toString());
        Thread plain = ((java.util.concurrent.ThreadPoolExecutor) Http.sharedClient().dispatcher()
            .executorService()).getThreadFactory().newThread(() -> { });
        assertTrue(plain.getName().startsWith("officehours-http-"), plain.getName());
        assertTrue(plain.isDaemon());
      }
    }
  }

  @Test
  void theSchedulerRunsOnADaemonThread() throws Exception {
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    Http.scheduler().schedule(() -> thread.complete(Thread.currentThread()), 1,
        TimeUnit.MILLISECONDS);
    Thread t = thread.get(10, TimeUnit.SECONDS);
    assertTrue(t.isDaemon());
    assertTrue(t.getName().startsWith("officehours-retry-"), t.getName());
  }
}
