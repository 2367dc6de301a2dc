package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiSpeechTest {
  private static final ObjectMapper JSON = new ObjectMapper();
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

  private OpenAiSpeech.Builder speech() {
    return OpenAiSpeech.builder().baseUrl(server.url("/v1").toString()).apiKey(FAKE_KEY)
        .retryPolicy(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(5)));
  }

  private static byte[] pcm(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 7 + 3);
    }
    return b;
  }

  private static MockResponse audio(byte[] bytes) {
    return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
        .body(new Buffer().write(bytes)).build();
  }

  @Test
  void requestBodyCarriesEverySettingAndNoInstructionsWhenEmpty() throws Exception {
    server.enqueue(audio(pcm(480)));
    server.enqueue(audio(pcm(480)));
    OpenAiSpeech tts = speech().model("tts-1").voice("nova").speed(1.25).build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Hello there."), sink);
    sink.awaitComplete();

    RecordedRequest r = server.takeRequest();
    assertEquals("/v1/audio/speech", r.getUrl().encodedPath());
    assertEquals("Bearer " + FAKE_KEY, r.getHeaders().get("Authorization"));
    JsonNode body = JSON.readTree(r.getBody().utf8());
    assertEquals("tts-1", body.get("model").asText());
    assertEquals("Hello there.", body.get("input").asText());
    assertEquals("nova", body.get("voice").asText());
    assertEquals(1.25, body.get("speed").asDouble(), 1e-9);
    assertEquals("pcm", body.get("response_format").asText());
    assertFalse(body.has("instructions"));

    OpenAiSpeech styled = speech().instructions("Speak warmly, like a tutor.").build();
    RecordingSink sink2 = new RecordingSink();
    styled.synthesize(styled.request("Hi."), sink2);
    sink2.awaitComplete();
    JsonNode body2 = JSON.readTree(server.takeRequest().getBody().utf8());
    assertEquals("Speak warmly, like a tutor.", body2.get("instructions").asText());
    assertEquals("gpt-4o-mini-tts", body2.get("model").asText());
    assertEquals("alloy", body2.get("voice").asText());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"pcm", "mp3", "opus", "wav"})
  void everyFormatIsRequestedByItsWireName(String wire) throws Exception {
    AudioFormat format = Map.of("pcm", AudioFormat.PCM_24K, "mp3", AudioFormat.MP3,
        "opus", AudioFormat.OPUS, "wav", AudioFormat.WAV).get(wire);
    byte[] bytes = pcm(333); // odd: compressed formats pass every byte through
    server.enqueue(audio(bytes));
    OpenAiSpeech tts = speech().format(format).build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Format check."), sink);
    sink.awaitComplete();

    assertEquals(wire, JSON.readTree(server.takeRequest().getBody().utf8())
        .get("response_format").asText());
    byte[] expected = format.isRawPcm() ? Arrays.copyOf(bytes, 332) : bytes;
    assertArrayEquals(expected, sink.audio());
  }

  @Test
  void firstAudioIsDeliveredBeforeTheBodyEnds() throws Exception {
    CountDownLatch firstPieceSeen = new CountDownLatch(1);
    AtomicBoolean clientHadAudioBeforeEnd = new AtomicBoolean();
    byte[] first = pcm(4800);
    byte[] rest = pcm(9600);
    server.enqueue(StreamingBody.response(sink -> {
          sink.write(first).flush();
          // The rest of the body is held back until the client has handed out audio.
          try {
            clientHadAudioBeforeEnd.set(firstPieceSeen.await(10, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          sink.write(rest).flush();
        })
        .setHeader("Content-Type", "audio/pcm")
        .build());
    RecordingSink sink = new RecordingSink() {
      @Override
      public synchronized void onAudio(byte[] audio) {
        super.onAudio(audio);
        firstPieceSeen.countDown();
      }
    };
    OpenAiSpeech tts = speech().build();
    tts.synthesize(tts.request("A long sentence."), sink);
    sink.awaitComplete();

    assertTrue(clientHadAudioBeforeEnd.get(), "no audio reached the sink before the body ended");
    byte[] all = sink.audio();
    assertEquals(first.length + rest.length, all.length);
    assertArrayEquals(first, Arrays.copyOf(all, first.length));
  }

  @Test
  void oddSizedReadsOfPcmStaySampleAligned() throws Exception {
    byte[] bytes = pcm(301);
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
        .body(new Buffer().write(bytes))
        .throttleBody(3, 2, TimeUnit.MILLISECONDS) // 3 bytes every 2 ms: odd-sized reads
        .build());
    OpenAiSpeech tts = speech().build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Aligned."), sink);
    sink.awaitComplete();

    assertTrue(sink.pieces.size() > 1, "expected several pieces, got " + sink.pieces.size());
    for (byte[] piece : sink.pieces) {
      assertEquals(0, piece.length % 2, "piece of " + piece.length + " bytes splits a sample");
    }
    // The dangling last byte (half a sample) is dropped.
    assertArrayEquals(Arrays.copyOf(bytes, 300), sink.audio());
  }

  @Test
  void inputOverTheLimitIsRejectedWithoutARequest() {
    OpenAiSpeech tts = speech().build();
    assertEquals(4096, tts.maxInputChars());
    RecordingSink sink = new RecordingSink();
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> tts.synthesize(tts.request("a".repeat(4097)), sink));
    assertEquals("text", e.field());
    assertTrue(e.getMessage().contains("4097"), e.getMessage());
    InvalidRequestException blank = assertThrows(InvalidRequestException.class,
        () -> tts.synthesize(tts.request("  "), sink));
    assertEquals("text", blank.field());
    assertEquals(0, server.getRequestCount());
    assertEquals(List.of(), sink.events());
  }

  @Test
  void inputAtTheLimitIsSent() throws Exception {
    server.enqueue(audio(pcm(2)));
    OpenAiSpeech tts = speech().build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("a".repeat(4096)), sink);
    sink.awaitComplete();
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void a500BeforeTheFirstByteIsRetriedAndTheAudioArrivesOnce() throws Exception {
    server.enqueue(new MockResponse.Builder().code(500)
        .body("{\"error\":{\"message\":\"Internal error\",\"type\":\"server_error\"}}").build());
    byte[] bytes = pcm(960);
    server.enqueue(audio(bytes));
    OpenAiSpeech tts = speech().build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Retry me."), sink);
    sink.awaitComplete();

    assertArrayEquals(bytes, sink.audio());
    assertEquals(2, server.getRequestCount());
    assertEquals(1, sink.terminalCalls);
  }

  @Test
  void errorsAreMappedToTtsProviderExceptions() throws Exception {
    server.enqueue(new MockResponse.Builder().code(400)
        .body("{\"error\":{\"message\":\"Invalid voice 'bob'\",\"type\":\"invalid_request_error\","
            + "\"param\":\"voice\",\"code\":null}}").build());
    OpenAiSpeech tts = speech().voice("bob").build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("x"), sink);

    ProviderException e = (ProviderException) sink.awaitError();
    assertEquals(OfficeHoursException.Stage.TTS, e.stage());
    assertEquals(400, e.status().getAsInt());
    assertEquals("Invalid voice 'bob'", e.providerMessage().orElseThrow());
    assertFalse(e.retryable());
    assertEquals(1, server.getRequestCount());
  }

  // ---------------------------------------------------------------- bodies that are not audio

  private ProviderException rejected(MockResponse response, AudioFormat format) throws Exception {
    server.enqueue(response);
    server.enqueue(audio(pcm(480)));
    OpenAiSpeech tts = speech().format(format).build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Hello."), sink);
    ProviderException e = (ProviderException) sink.awaitError();
    assertEquals(OfficeHoursException.Stage.TTS, e.stage());
    assertFalse(e.retryable());
    assertEquals(List.of("error"), sink.events(), "nothing may be delivered");
    assertEquals(1, server.getRequestCount(), "not retried");
    return e;
  }

  @Test
  void a200WithAJsonErrorIsAFailureCarryingTheProvidersMessage() throws Exception {
    ProviderException e = rejected(new MockResponse.Builder()
        .setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"message\":\"Quota exceeded for key " + FAKE_KEY + "\","
            + "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}").build(),
        AudioFormat.PCM_24K);

    assertTrue(e.getMessage().contains("application/json"), e.getMessage());
    assertEquals("insufficient_quota", e.errorCode().orElseThrow());
    assertEquals("Quota exceeded for key [redacted]", e.providerMessage().orElseThrow());
    assertFalse(e.toString().contains(FAKE_KEY), e.toString());
  }

  @Test
  void a200HtmlPageFromAProxyIsNotAudio() throws Exception {
    ProviderException e = rejected(new MockResponse.Builder()
        .setHeader("Content-Type", "text/html; charset=utf-8")
        .body("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>").build(),
        AudioFormat.MP3);

    assertTrue(e.getMessage().contains("text/html"), e.getMessage());
    assertTrue(e.providerMessage().orElseThrow().contains("502 Bad Gateway"));
  }

  @Test
  void jsonLabelledAsAudioIsCaughtByItsFirstBytes() throws Exception {
    ProviderException e = rejected(new MockResponse.Builder()
        .setHeader("Content-Type", "audio/pcm")
        .body("{\"detail\":\"voice 'bob' not found\"}").build(), AudioFormat.PCM_24K);

    assertTrue(e.getMessage().contains("JSON"), e.getMessage());
    assertEquals("voice 'bob' not found", e.providerMessage().orElseThrow());
  }

  @Test
  void markupWithoutContentTypeIsCaughtByItsFirstBytes() throws Exception {
    MockResponse response = new MockResponse.Builder()
        .body("\n  <html><body>Service Unavailable</body></html>")
        .removeHeader("Content-Type").build();
    ProviderException e = rejected(response, AudioFormat.OPUS);

    assertTrue(e.getMessage().contains("markup"), e.getMessage());
  }

  @Test
  void aContainerFormatWhenRawPcmWasAskedForIsRejected() throws Exception {
    Buffer wav = new Buffer().writeUtf8("RIFF").writeIntLe(36 + 480).writeUtf8("WAVEfmt ")
        .write(pcm(480));
    ProviderException e = rejected(new MockResponse.Builder()
        .setHeader("Content-Type", "audio/wav").body(wav).build(), AudioFormat.PCM_24K);

    assertTrue(e.getMessage().contains("WAV"), e.getMessage());
    assertTrue(e.getMessage().contains("pcm"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} as {1}")
  @CsvSource({
      "pcm, audio/pcm", "pcm, 'audio/L16; rate=24000; channels=1'", "pcm, application/octet-stream",
      "pcm, ''", "pcm, audio/mpeg", "mp3, audio/mpeg", "opus, audio/opus", "opus, audio/ogg",
      "opus, application/ogg", "wav, audio/wav", "wav, audio/x-wav", "mp3, application/octet-stream"})
  void theContentTypesRealServersSendAreAccepted(String wire, String contentType)
      throws Exception {
    AudioFormat format = Map.of("pcm", AudioFormat.PCM_24K, "mp3", AudioFormat.MP3,
        "opus", AudioFormat.OPUS, "wav", AudioFormat.WAV).get(wire);
    byte[] bytes = pcm(480);
    MockResponse.Builder response = new MockResponse.Builder().body(new Buffer().write(bytes));
    if (contentType.isEmpty()) {
      response.removeHeader("Content-Type");
    } else {
      response.setHeader("Content-Type", contentType);
    }
    server.enqueue(response.build());
    OpenAiSpeech tts = speech().format(format).build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Accepted."), sink);
    sink.awaitComplete();

    assertArrayEquals(bytes, sink.audio());
  }

  @Test
  void audioShorterThanTheSniffedStartIsDeliveredWhole() throws Exception {
    byte[] bytes = pcm(10);
    server.enqueue(audio(bytes));
    OpenAiSpeech tts = speech().build();
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request("Short."), sink);
    sink.awaitComplete();

    assertArrayEquals(bytes, sink.audio());
  }

  @Test
  void cancelClosesTheConnectionAndNoCallbackFollows() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch serverSawClose = new CountDownLatch(1);
    server.enqueue(StreamingBody.response(sink -> {
          sink.write(pcm(4800)).flush();
          try {
            cancelled.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
          try {
            while (System.nanoTime() < end) {
              sink.write(pcm(480)).flush();
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // pacing only
            }
          } catch (IOException expected) {
            serverSawClose.countDown();
            throw expected;
          }
        })
        .setHeader("Content-Type", "audio/pcm")
        .build());
    OpenAiSpeech tts = speech().build();
    RecordingSink sink = new RecordingSink();
    TtsCall call = tts.synthesize(tts.request("Interrupt me."), sink);
    assertTrue(sink.firstAudio.await(10, TimeUnit.SECONDS));

    call.cancel();
    cancelled.countDown();

    assertTrue(serverSawClose.await(10, TimeUnit.SECONDS),
        "the server never saw the connection close");
    // Only bytes written before the cancel can have arrived, and no terminal callback.
    assertTrue(sink.audio().length <= 4800, sink.audio().length + " bytes");
    assertFalse(sink.events().contains("complete") || sink.events().contains("error"));
    assertEquals(0, sink.terminalCalls);
  }

  @Test
  void idRequestAndToStringShowTheSettingsButNeverTheKey() {
    OpenAiSpeech tts = speech().voice("echo").build();
    assertEquals("openai-speech@" + server.getHostName() + ":" + server.getPort(), tts.id());
    SpeechRequest r = tts.request("Hi.");
    assertEquals(new SpeechRequest("Hi.", "gpt-4o-mini-tts", "echo", 1.0, "",
        AudioFormat.PCM_24K), r);
    assertFalse(tts.toString().contains(FAKE_KEY), tts.toString());
    assertTrue(tts.toString().contains("gpt-4o-mini-tts"), tts.toString());

    OpenAiSpeech fromEnv = OpenAiSpeech.fromEnvironment(Map.of("OPENAI_API_KEY", FAKE_KEY,
        "OPENAI_TTS_MODEL", "tts-1-hd", "OPENAI_TTS_VOICE", "shimmer"));
    assertEquals("openai-speech@api.openai.com", fromEnv.id());
    assertEquals("tts-1-hd", fromEnv.request("x").model());
    assertEquals("shimmer", fromEnv.request("x").voice());
    assertFalse(fromEnv.toString().contains(FAKE_KEY));
  }

  @Test
  void builderRejectsBadValuesByName() {
    IllegalArgumentException speed =
        assertThrows(IllegalArgumentException.class, () -> OpenAiSpeech.builder().speed(5));
    assertTrue(speed.getMessage().contains("5.0"), speed.getMessage());
    IllegalArgumentException format = assertThrows(IllegalArgumentException.class,
        () -> OpenAiSpeech.builder().format(new AudioFormat(AudioFormat.Encoding.PCM_S16LE,
            16_000, 1)));
    assertTrue(format.getMessage().contains("16000"), format.getMessage());
    assertThrows(IllegalArgumentException.class, () -> OpenAiSpeech.builder().voice(""));
  }

  @Test
  void anErrorBodyWithStatus200IsNeverDeliveredNorCachedWithTheCacheOn() throws Exception {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"message\":\"voice 'nova' is not available\",\"type\":\"invalid_request_error\"}}")
        .build());
    server.enqueue(audio(pcm(480)));
    dev.officehours.tts.TtsProvider cached = dev.officehours.cache.TtsCache.inMemory()
        .wrap(speech().build(), dev.officehours.metrics.PipelineObserver.NONE);
    RecordingSink first = new RecordingSink();
    cached.synthesize(cached.request("Hello there."), first);
    OfficeHoursException error = first.awaitError();
    assertTrue(error.getMessage().contains("voice 'nova' is not available"), error.getMessage());
    assertEquals(0, first.audio().length, "nothing of the error body was delivered as audio");
    RecordingSink second = new RecordingSink();
    cached.synthesize(cached.request("Hello there."), second);
    second.awaitComplete();
    assertEquals(480, second.audio().length, "synthesised again: the error body was not cached");
    assertEquals(2, server.getRequestCount());
  }
}
