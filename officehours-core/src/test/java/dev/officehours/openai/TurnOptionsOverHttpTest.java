package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.ConversationPipeline;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ChatMessage;
import dev.officehours.tts.AudioFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-turn options (issue 9 §2) through the real providers over loopback: what the servers
 * receive, what the caches key on, what is refused, and that header values stay secret.
 */
class TurnOptionsOverHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANSWER = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Bonjour.\"}}]}\n\n"
      + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

  private MockWebServer server;
  private final List<RecordedRequest> chat = new CopyOnWriteArrayList<>();
  private final List<RecordedRequest> speech = new CopyOnWriteArrayList<>();
  private final AtomicReference<MockResponse> chatFailure = new AtomicReference<>();
  private ConversationPipeline pipeline;
  private String base;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
          chat.add(request);
          MockResponse failure = chatFailure.get();
          return failure != null ? failure : new MockResponse.Builder()
              .setHeader("Content-Type", "text/event-stream").body(ANSWER).build();
        }
        speech.add(request);
        boolean wav = request.getBody().utf8().contains("\"response_format\":\"wav\"");
        return new MockResponse.Builder().setHeader("Content-Type", wav ? "audio/wav" : "audio/pcm")
            .body(new Buffer().write(wav ? wav() : new byte[960])).build();
      }
    });
    server.start();
    base = server.url("/v1").toString();
  }

  private ConversationPipeline.Builder builder() {
    RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(1));
    return ConversationPipeline.builder()
        .llm(OpenAiChat.builder().baseUrl(base).apiKey("sk-test").retryPolicy(once).build())
        .tts(OpenAiSpeech.builder().baseUrl(base).apiKey("sk-test").retryPolicy(once).build())
        .systemPrompt("You are a receptionist.");
  }

  @AfterEach
  void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
    server.close();
  }

  /** A tiny WAV: 44-byte header and 480 samples of silence at 24 kHz. */
  private static byte[] wav() {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + 960).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 960).put("WAVEfmt ".getBytes()).putInt(16).putShort((short) 1)
        .putShort((short) 1).putInt(24_000).putInt(48_000).putShort((short) 2).putShort((short) 16)
        .put("data".getBytes()).putInt(960);
    return b.array();
  }

  private static TurnResult run(ConversationPipeline pipeline, TurnRequest request) throws Exception {
    return pipeline.start(request, new TurnListener() {}).completion().get(10, TimeUnit.SECONDS);
  }

  @Test
  void everyOptionReachesTheServerItIsFor() throws Exception {
    pipeline = builder().build();
    TurnRequest request = TurnRequest.builder("s1", "Hello")
        .model("gpt-4.1-mini")
        .temperature(0.2)
        .maxTokens(80)
        .systemPromptAddition("Answer in French.")
        .chatExtraBody(Map.of("seed", 7, "top_p", 0.5, "metadata", Map.of("caller", "kiosk-3")))
        .chatHeaders(Map.of("X-Route", "eu-west"))
        .voice("nova")
        .speechSpeed(1.25)
        .speechInstructions("Speak warmly.")
        .audioFormat(AudioFormat.WAV)
        .speechExtraBody(Map.of("seed", 11))
        .speechHeaders(Map.of("X-Voice-Tier", "premium"))
        .build();
    TurnResult result = run(pipeline, request);
    assertEquals("Bonjour.", result.text());

    RecordedRequest c = chat.get(0);
    JsonNode body = JSON.readTree(c.getBody().utf8());
    assertEquals("gpt-4.1-mini", body.get("model").asText());
    assertEquals(0.2, body.get("temperature").asDouble());
    assertEquals(80, body.get("max_tokens").asInt());
    assertEquals(7, body.get("seed").asInt());
    assertEquals(0.5, body.get("top_p").asDouble());
    assertEquals("kiosk-3", body.get("metadata").get("caller").asText());
    assertEquals("You are a receptionist.\n\nAnswer in French.", body.get("messages").get(0).get("content").asText());
    assertEquals("eu-west", c.getHeaders().get("X-Route"));
    assertEquals("Bearer sk-test", c.getHeaders().get("Authorization"));

    RecordedRequest s = speech.get(0);
    JsonNode spoken = JSON.readTree(s.getBody().utf8());
    assertEquals("nova", spoken.get("voice").asText());
    assertEquals(1.25, spoken.get("speed").asDouble());
    assertEquals("Speak warmly.", spoken.get("instructions").asText());
    assertEquals("wav", spoken.get("response_format").asText());
    assertEquals(11, spoken.get("seed").asInt());
    assertEquals("premium", s.getHeaders().get("X-Voice-Tier"));
    assertEquals(null, s.getHeaders().get("X-Route"), "chat headers stay on chat requests");
  }

  @Test
  void fieldsTheProviderWritesAndBrokenHeadersAreRefusedWhenTheRequestIsBuilt() {
    TurnRequest.Builder b = TurnRequest.builder("s1", "Hello");
    InvalidRequestException messages = assertThrows(InvalidRequestException.class,
        () -> b.chatExtraBody(Map.of("messages", List.of())));
    assertEquals("chatExtraBody", messages.field());
    assertTrue(messages.getMessage().contains("'messages' is written by the provider"), messages.getMessage());
    assertThrows(InvalidRequestException.class, () -> b.speechExtraBody(Map.of("voice", "x")));
    assertThrows(InvalidRequestException.class, () -> b.chatExtraBody(Map.of("when", new Object())));
    assertThrows(InvalidRequestException.class, () -> b.chatExtraBody(Map.of("x", Double.NaN)));
    InvalidRequestException header = assertThrows(InvalidRequestException.class,
        () -> b.chatHeaders(Map.of("X-Token", "abc\r\nX-Evil: 1")));
    assertFalse(header.getMessage().contains("abc"), "a header value may be a credential: " + header.getMessage());
    assertThrows(InvalidRequestException.class, () -> b.chatHeaders(Map.of("Content-Type", "text/plain")));
    assertThrows(InvalidRequestException.class, () -> b.chatHeaders(Map.of("Bad Name", "v")));
    assertThrows(InvalidRequestException.class, () -> b.speechSpeed(5));
    assertThrows(InvalidRequestException.class, () -> b.model(" "));
  }

  @Test
  void optionsOverThePipelinesLimitAreRefusedBeforeAnyCall() {
    pipeline = builder().maxRequestExtrasChars(1_024).build();
    TurnRequest big = TurnRequest.builder("s1", "Hello")
        .chatExtraBody(Map.of("note", "x".repeat(2_000))).build();
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> pipeline.start(big, new TurnListener() {}));
    assertTrue(e.getMessage().contains("maxRequestExtrasChars"), e.getMessage());
    assertTrue(chat.isEmpty());
  }

  @Test
  void aTurnsHeaderValueNeverAppearsInAnError() throws Exception {
    String secret = "tenant-secret-0123456789";
    chatFailure.set(new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"message\":\"bad tenant key " + secret + "\",\"type\":\"auth\"}}").build());
    pipeline = builder().build();
    AtomicReference<TurnFailed> failed = new AtomicReference<>();
    pipeline.start(TurnRequest.builder("s1", "Hello").chatHeaders(Map.of("X-Tenant-Key", secret)).build(),
        new TurnListener() {
          @Override
          public void onError(TurnFailed f) {
            failed.set(f);
          }
        }).completion().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
    String message = failed.get().error().getMessage();
    assertFalse(message.contains(secret), message);
    assertTrue(message.contains("[redacted]"), message);
    TurnRequest request = TurnRequest.builder("s1", "Hello").chatHeaders(Map.of("X-Tenant-Key", secret))
        .speechHeaders(Map.of("X-Tenant-Key", secret)).build();
    assertFalse(request.toString().contains(secret));
    ChatRequest chatRequest = ChatRequest.builder(List.of(ChatMessage.user("Hi")))
        .extraHeaders(Map.of("X-Tenant-Key", secret)).build();
    assertFalse(chatRequest.toString().contains(secret));
    assertFalse(OpenAiSpeech.builder().baseUrl(base).build().request("Hi")
        .withExtras(Map.of(), Map.of("X-Tenant-Key", secret)).toString().contains(secret));
  }

  /** A real in-process store that counts finished writes, so a test can wait for one. */
  static final class CountingStore implements dev.officehours.cache.CacheStore {
    final dev.officehours.cache.CacheStore delegate = CaffeineCacheStore.create();
    final java.util.concurrent.atomic.AtomicInteger puts = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public java.util.concurrent.CompletableFuture<java.util.Optional<byte[]>> get(String key) {
      return delegate.get(key);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
      return delegate.put(key, value, ttl).whenComplete((v, e) -> puts.incrementAndGet());
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> delete(String key) {
      return delegate.delete(key);
    }

    void awaitPuts(int n) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (puts.get() < n) {
        assertTrue(System.nanoTime() < deadline, "no " + n + " cache writes within 10 s");
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L); // poll interval
      }
    }
  }

  @Test
  void theCachesKeyOnTheOptionsThatChangeTheOutput() throws Exception {
    CountingStore answers = new CountingStore();
    CountingStore audio = new CountingStore();
    pipeline = builder()
        .answerCache(AnswerCache.builder(answers).statelessFaq(true).build())
        .ttsCache(TtsCache.builder(audio).build())
        .build();

    assertFalse(run(pipeline, TurnRequest.of("a", "Hello")).answerFromCache());
    answers.awaitPuts(1);
    audio.awaitPuts(1);
    TurnResult seeded = run(pipeline, TurnRequest.builder("b", "Hello").chatExtraBody(Map.of("seed", 7)).build());
    assertFalse(seeded.answerFromCache(), "another extra field, another answer");
    assertEquals(1, seeded.metrics().ttsCacheHits(), "the same speech settings, the same audio");
    answers.awaitPuts(2);
    TurnResult faster = run(pipeline, TurnRequest.builder("c", "Hello").chatExtraBody(Map.of("seed", 7))
        .speechSpeed(1.5).build());
    assertTrue(faster.answerFromCache(), "the speed does not change the answer");
    assertEquals(0, faster.metrics().ttsCacheHits(), "but it changes the audio");
    audio.awaitPuts(2);
    TurnResult again = run(pipeline, TurnRequest.builder("d", "Hello").chatExtraBody(Map.of("seed", 7))
        .speechSpeed(1.5).build());
    assertTrue(again.answerFromCache());
    assertEquals(1, again.metrics().ttsCacheHits());
    assertEquals(2, chat.size());
    assertEquals(2, speech.size());
  }

  @Test
  void twoModelsOfOneServiceFormAChainOnceEachHasItsOwnId() {
    OpenAiChat big = OpenAiChat.builder().baseUrl(base).model("gpt-4.1").build();
    OpenAiChat small = OpenAiChat.builder().baseUrl(base).model("gpt-4.1-mini").build();
    IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
        () -> dev.officehours.fallback.FallbackLlm.builder(List.of(big, small)).build());
    assertTrue(same.getMessage().contains("OpenAiChat.Builder.id"), same.getMessage());
    OpenAiChat named = OpenAiChat.builder().baseUrl(base).model("gpt-4.1-mini").id("gpt-4.1-mini@openai").build();
    assertEquals("gpt-4.1-mini@openai", named.id());
    try (dev.officehours.fallback.FallbackLlm chain =
        dev.officehours.fallback.FallbackLlm.builder(List.of(big, named)).build()) {
      assertTrue(chain.isHealthy("gpt-4.1-mini@openai"));
    }
    assertThrows(IllegalArgumentException.class, () -> OpenAiChat.builder().id("has space"));
  }
}
