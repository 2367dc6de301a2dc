package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

class ProviderHttpClientTest {

  @Test
  void defaultsMatchTheClientProvidersShareWhenGivenNone() {
    OkHttpClient client = ProviderHttpClient.builder().build();
    assertEquals(16_384, client.dispatcher().getMaxRequests());
    assertEquals(16_384, client.dispatcher().getMaxRequestsPerHost());
    assertEquals(5_000, client.connectTimeoutMillis());
    assertEquals(20_000, client.readTimeoutMillis());
    assertEquals(0, client.callTimeoutMillis());
    assertTrue(client.protocols().contains(Protocol.HTTP_2), "HTTP/2 negotiated when offered");
  }

  @Test
  void concurrentTurnsSizesTheDispatcherForEveryStreamOfEveryTurn() {
    OkHttpClient client = ProviderHttpClient.builder().concurrentTurns(5_000, 3).build();
    assertEquals(40_000, client.dispatcher().getMaxRequestsPerHost());
    OkHttpClient small = ProviderHttpClient.builder().concurrentTurns(10).build();
    assertEquals(16_384, small.dispatcher().getMaxRequests(), "never below the defaults");
  }

  @Test
  void http2PriorKnowledgeIsTheOnlyProtocolWhenAsked() {
    OkHttpClient client = ProviderHttpClient.builder().http2PriorKnowledge(true).build();
    assertEquals(List.of(Protocol.H2_PRIOR_KNOWLEDGE), client.protocols());
  }

  @Test
  void everySettingRejectsAValueOutOfRangeAndNamesIt() {
    ProviderHttpClient.Builder b = ProviderHttpClient.builder();
    assertMessage("maxIdleConnections must be in 0..1000000 but was -1", () -> b.maxIdleConnections(-1));
    assertMessage("maxConcurrentCalls must be in 1..1000000 but was 0", () -> b.maxConcurrentCalls(0));
    assertMessage("turns must be in 1..100000 but was 0", () -> b.concurrentTurns(0));
    assertMessage("ttsConcurrency must be in 1..32 but was 33", () -> b.concurrentTurns(1, 33));
    assertMessage("keepAlive must be in [PT1S, PT1H] but was PT0.5S", () -> b.keepAlive(Duration.ofMillis(500)));
    assertMessage("connectTimeout must be in [PT0.001S, PT5M] but was PT6M", () -> b.connectTimeout(Duration.ofMinutes(6)));
    assertMessage("readTimeout must be in [PT0.001S, PT1H] but was PT0S", () -> b.readTimeout(Duration.ZERO));
    assertThrows(NullPointerException.class, () -> b.keepAlive(null));
  }

  @Test
  void theDefaultPoolReusesItsConnectionsRoundAfterRound() throws Exception {
    int opened = connectionsOpenedOver3RoundsOf(ProviderHttpClient.builder().build(), 24);
    assertTrue(opened <= 24, "at most one round's worth of connections, opened " + opened);
  }

  @Test
  void aPoolSmallerThanTheLoadReconnectsEveryRound() throws Exception {
    int opened = connectionsOpenedOver3RoundsOf(ProviderHttpClient.builder().maxIdleConnections(4).build(), 24);
    assertTrue(opened > 24, "rounds 2 and 3 open what the pool did not keep, opened " + opened);
  }

  @Test
  void concurrentTurnsNeverSizesThePoolPastItsLimits() {
    OkHttpClient client = ProviderHttpClient.builder().concurrentTurns(100_000, 32).build();
    assertEquals(1_000_000, client.dispatcher().getMaxRequests());
  }

  @Test
  void aPoolThatKeepsNoIdleConnectionsOpensOneForEveryCall() throws Exception {
    int opened = connectionsOpenedOver3RoundsOf(ProviderHttpClient.builder().maxIdleConnections(0).build(), 24);
    assertEquals(72, opened);
  }

  /** Runs 3 rounds of {@code perRound} calls started at once; returns the connections the server saw. */
  private static int connectionsOpenedOver3RoundsOf(OkHttpClient client, int perRound) throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.start();
      Set<Integer> connections = new HashSet<>();
      for (int round = 0; round < 3; round++) {
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < perRound; i++) {
          server.enqueue(new MockResponse.Builder().body("audio").build());
        }
        for (int i = 0; i < perRound; i++) {
          CompletableFuture<Void> done = new CompletableFuture<>();
          calls.add(done);
          client.newCall(new Request.Builder().url(server.url("/v1/audio/speech")).build()).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
              done.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call call, Response response) throws IOException {
              try (response) {
                response.body().string();
              }
              done.complete(null);
            }
          });
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < perRound; i++) {
          connections.add(server.takeRequest().getConnectionIndex());
        }
      }
      client.dispatcher().executorService().shutdown();
      return connections.size();
    }
  }

  private static void assertMessage(String message, org.junit.jupiter.api.function.Executable e) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
  }
}
