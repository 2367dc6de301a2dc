package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.stt.Transcript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiTranscriptionTest {
  private static final String FAKE_KEY = "sk-test-FAKE0123456789abcdefSECRET";

  private MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private OpenAiTranscription.Builder stt() {
    return OpenAiTranscription.builder().baseUrl(server.url("/v1").toString()).apiKey(FAKE_KEY)
        .retryPolicy(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(5)));
  }

  private static byte[] wav() {
    byte[] b = new byte[44 + 320];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
    System.arraycopy("WAVE".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 4);
    return b;
  }

  @Test
  void uploadsMultipartAndReturnsTheTranscript() throws Exception {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"text\":\" When are office hours? \",\"usage\":{\"type\":\"tokens\","
            + "\"input_tokens\":14,\"output_tokens\":6,\"total_tokens\":20}}").build());
    Transcript t = stt().language("EN").build().transcribe(wav(), "audio/wav")
        .get(10, TimeUnit.SECONDS);

    assertEquals(new Transcript("When are office hours?", "en"), t);
    RecordedRequest r = server.takeRequest();
    assertEquals("/v1/audio/transcriptions", r.getUrl().encodedPath());
    assertEquals("Bearer " + FAKE_KEY, r.getHeaders().get("Authorization"));
    assertTrue(r.getHeaders().get("Content-Type").startsWith("multipart/form-data"));
    String body = r.getBody().string(StandardCharsets.ISO_8859_1);
    assertTrue(body.contains("name=\"file\"; filename=\"audio.wav\""), body);
    assertTrue(body.contains("Content-Type: audio/wav"), body);
    assertTrue(body.contains("name=\"model\"\r\n\r\ngpt-4o-mini-transcribe"),
        body);
    assertTrue(body.contains("name=\"response_format\"\r\n\r\njson"), body);
    assertTrue(body.contains("name=\"language\"\r\n\r\nen"), body);
  }

  @Test
  void theDetectedLanguageIsTakenWhenTheServerSendsOne() throws Exception {
    server.enqueue(new MockResponse.Builder()
        .body("{\"text\":\"Bonjour\",\"language\":\"french\"}").build());
    OpenAiTranscription stt = OpenAiTranscription.fromEnvironment(Map.of(
        "OPENAI_BASE_URL", server.url("/v1").toString(), "OPENAI_STT_MODEL", "whisper-1"));
    Transcript t = stt.transcribe(wav(), "audio/webm;codecs=opus").get(10, TimeUnit.SECONDS);
    assertEquals(new Transcript("Bonjour", "french"), t);
    String body = server.takeRequest().getBody().string(StandardCharsets.ISO_8859_1);
    assertTrue(body.contains("whisper-1"), body);
    assertTrue(body.contains("filename=\"audio.webm\""), body);
  }

  @Test
  void anErrorFailsTheFutureWithAnSttProviderException() {
    server.enqueue(new MockResponse.Builder().code(400)
        .body("{\"error\":{\"message\":\"Audio file might be corrupted or unsupported\","
            + "\"type\":\"invalid_request_error\",\"param\":\"file\",\"code\":\"invalid_value\"}}")
        .build());
    CompletableFuture<Transcript> f = stt().build().transcribe(wav(), "audio/wav");

    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    ProviderException p = (ProviderException) e.getCause();
    assertEquals(OfficeHoursException.Stage.STT, p.stage());
    assertEquals(400, p.status().getAsInt());
    assertEquals("invalid_value", p.errorCode().orElseThrow());
    assertEquals("Audio file might be corrupted or unsupported", p.providerMessage().orElseThrow());
    assertFalse(p.getMessage().contains(FAKE_KEY));
  }

  @Test
  void a503IsRetriedOnce() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503).body("upstream busy").build());
    server.enqueue(new MockResponse.Builder().body("{\"text\":\"ok\"}").build());
    assertEquals("ok", stt().build().transcribe(wav(), "audio/wav").get(10, TimeUnit.SECONDS)
        .text());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void aResponseLargerThanTheLimitFailsWithoutBeingReadWhole() {
    String huge = "{\"text\":\"" + "a".repeat(8 * 1024) + "\"}";
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body(huge).build());
    CompletableFuture<Transcript> f = stt().maxResponseBytes(4096).build().transcribe(wav(), "audio/wav");
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("4096 bytes"), e.getCause().getMessage());
    assertTrue(e.getCause().getMessage().contains("maxResponseBytes"), e.getCause().getMessage());
    assertThrows(IllegalArgumentException.class, () -> stt().maxResponseBytes(10));
  }

  @Test
  void aResponseWithoutTextIsAnError() {
    server.enqueue(new MockResponse.Builder().body("{\"segments\":[]}").build());
    CompletableFuture<Transcript> f = stt().build().transcribe(wav(), "audio/wav");
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertEquals(OfficeHoursException.Stage.STT, ((OfficeHoursException) e.getCause()).stage());
  }

  @Test
  void emptyAudioAndBadMimeTypesAreRejectedWithoutARequest() {
    OpenAiTranscription stt = stt().build();
    assertEquals("audio", assertThrows(InvalidRequestException.class,
        () -> stt.transcribe(new byte[0], "audio/wav")).field());
    assertEquals("mimeType", assertThrows(InvalidRequestException.class,
        () -> stt.transcribe(wav(), "wav")).field());
    assertEquals(0, server.getRequestCount());
    assertTrue(stt.id().startsWith("openai-transcription@"));
    assertFalse(stt.toString().contains(FAKE_KEY));
    IllegalArgumentException lang = assertThrows(IllegalArgumentException.class,
        () -> OpenAiTranscription.builder().language("english!"));
    assertTrue(lang.getMessage().contains("english!"));
  }
}
