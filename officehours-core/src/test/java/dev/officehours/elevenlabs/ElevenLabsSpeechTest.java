package dev.officehours.elevenlabs;

import static dev.officehours.elevenlabs.ElevenLabsStreams.message;
import static dev.officehours.elevenlabs.ElevenLabsStreams.ndjson;
import static dev.officehours.elevenlabs.ElevenLabsStreams.pcm;
import static dev.officehours.elevenlabs.ElevenLabsStreams.spoken;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.WordTiming;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ElevenLabsSpeech against MockWebServer replaying the shapes ElevenLabs documents for its
 * streaming endpoint with timestamps: newline-delimited JSON messages of base64 audio and
 * character alignment, and its error bodies.
 */
class ElevenLabsSpeechTest {
  private static final String KEY = "sk_0123456789abcdef0123456789abcdef";
  private static final String VOICE = "21m00Tcm4TlvDq8ikWAM";
  /** 24 kHz 16-bit mono: 48 bytes a millisecond. */
  private static final int PER_MS = 48;

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

  private ElevenLabsSpeech.Builder provider() {
    return ElevenLabsSpeech.builder().baseUrl(server.url("/").toString()).apiKey(KEY)
        .voice(VOICE).retryPolicy(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(2)));
  }

  private static RecordingSink say(ElevenLabsSpeech tts, String text) {
    RecordingSink sink = new RecordingSink();
    tts.synthesize(tts.request(text), sink);
    return sink;
  }

  private static WordTiming word(String w, long startMs, long endMs) {
    return new WordTiming(w, Duration.ofMillis(startMs), Duration.ofMillis(endMs), false);
  }

  /** "Hello there, world." in three messages, the second and third cutting words in two. */
  private static List<ObjectNode> helloThereWorld() {
    // 50 ms a character; message audio matches the characters' time
    List<ElevenLabsStreams.Char> all = spoken("Hello there, world.", 0, 0.05);
    return List.of(
        message(pcm(1, 3 * 50 * PER_MS), all.subList(0, 3)),     // "Hel"
        message(pcm(2, 11 * 50 * PER_MS), all.subList(3, 14)),   // "lo there, w"
        message(pcm(3, 5 * 50 * PER_MS), all.subList(14, 19)));  // "orld."
  }

  // ---------------------------------------------------------------- the request

  @Test
  void sendsTheDocumentedRequest() throws Exception {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 4), spoken("Hi", 0, 0.1))))));
    ElevenLabsSpeech tts = provider().model("eleven_multilingual_v2").stability(0.5)
        .similarityBoost(0.75).useSpeakerBoost(true).speed(1.1)
        .queryParameter("enable_logging", "false").build();
    assertNull(say(tts, "Hi").awaitEnd());

    RecordedRequest request = server.takeRequest();
    assertEquals("POST", request.getMethod());
    assertEquals("/v1/text-to-speech/" + VOICE + "/stream/with-timestamps",
        request.getUrl().encodedPath());
    assertEquals("pcm_24000", request.getUrl().queryParameter("output_format"));
    assertEquals("false", request.getUrl().queryParameter("enable_logging"));
    assertEquals(KEY, request.getHeaders().get("xi-api-key"));
    assertNull(request.getHeaders().get("Authorization"), "ElevenLabs takes its own header");
    JsonNode body = ElevenLabsStreams.JSON.readTree(request.getBody().utf8());
    assertEquals("Hi", body.get("text").asText());
    assertEquals("eleven_multilingual_v2", body.get("model_id").asText());
    JsonNode settings = body.get("voice_settings");
    assertEquals(0.5, settings.get("stability").asDouble());
    assertEquals(0.75, settings.get("similarity_boost").asDouble());
    assertTrue(settings.get("use_speaker_boost").asBoolean());
    assertEquals(1.1, settings.get("speed").asDouble());
  }

  @Test
  void noVoiceSettingsAreSentWhenNoneIsSet() throws Exception {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 4), spoken("Hi", 0, 0.1))))));
    assertNull(say(provider().build(), "Hi").awaitEnd());
    JsonNode body = ElevenLabsStreams.JSON.readTree(server.takeRequest().getBody().utf8());
    assertFalse(body.has("voice_settings"), body.toString());
    assertEquals(ElevenLabsSpeech.DEFAULT_MODEL, body.get("model_id").asText());
  }

  @Test
  void anotherFormatAsksForItsOutputFormat() throws Exception {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 4), spoken("Hi", 0, 0.1))))));
    ElevenLabsSpeech tts = provider()
        .format(new AudioFormat(AudioFormat.Encoding.PCM_S16LE, 16_000, 1)).build();
    assertNull(say(tts, "Hi").awaitEnd());
    assertEquals("pcm_16000", server.takeRequest().getUrl().queryParameter("output_format"));
  }

  // ---------------------------------------------------------------- audio and timings

  @Test
  void audioAndWordTimingsAreTheSameWhereverTheStreamIsSplit() {
    String body = ndjson(helloThereWorld());
    byte[] expectedAudio = concat(pcm(1, 3 * 50 * PER_MS), pcm(2, 11 * 50 * PER_MS),
        pcm(3, 5 * 50 * PER_MS));
    List<WordTiming> expectedWords =
        List.of(word("Hello", 0, 250), word("there,", 300, 600), word("world.", 650, 950));
    ElevenLabsSpeech tts = provider().build();
    for (long seed = 1; seed <= 12; seed++) {
      server.enqueue(ElevenLabsStreams.splitAtRandom(body, seed));
      RecordingSink sink = say(tts, "Hello there, world.");
      assertNull(sink.awaitEnd(), "seed " + seed);
      assertArrayEquals(expectedAudio, sink.audio(), "seed " + seed);
      assertEquals(expectedWords, sink.words(), "seed " + seed);
      assertTrue(sink.calls.stream().allMatch(c -> c.withTimings() && c.audio().length % 2 == 0));
      assertWordsComeNoLaterThanTheirAudio(sink);
    }
  }

  /** Every word is reported with the piece its audio starts in, or an earlier one. */
  private static void assertWordsComeNoLaterThanTheirAudio(RecordingSink sink) {
    long at = 0;
    for (RecordingSink.Call call : sink.calls) {
      for (WordTiming w : call.words()) {
        assertTrue(w.start().toNanos() >= at * 1_000_000L / PER_MS,
            w + " came with a piece starting at " + at / PER_MS + " ms");
      }
      at += call.audio().length;
    }
  }

  @Test
  void aWordCutBetweenMessagesHoldsBackOnlyTheAudioFromItsStart() throws Exception {
    CountDownLatch firstPieceSeen = new CountDownLatch(1);
    List<ObjectNode> messages = helloThereWorld();
    RecordingSink sink = new RecordingSink();
    server.enqueue(ElevenLabsStreams.chunked(out -> {
      out.writeUtf8(messages.get(0) + "\n" + messages.get(1) + "\n").flush();
      try {
        // the audio before "world" goes on without waiting for the rest of the word
        assertTrue(firstPieceSeen.await(10, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      out.writeUtf8(messages.get(2) + "\n").flush();
    }));
    ElevenLabsSpeech tts = provider().build();
    tts.synthesize(tts.request("Hello there, world."), new dev.officehours.tts.AudioSink() {
      @Override
      public void onAudio(byte[] audio) {
        sink.onAudio(audio);
      }

      @Override
      public void onAudio(byte[] audio, List<WordTiming> words) {
        sink.onAudio(audio, words);
        synchronized (sink) {
          if (sink.audio().length >= 650 * PER_MS) {
            firstPieceSeen.countDown();
          }
        }
      }

      @Override
      public void onComplete() {
        sink.onComplete();
      }

      @Override
      public void onError(OfficeHoursException error) {
        sink.onError(error);
      }
    });
    assertNull(sink.awaitEnd());
    // "Hel": all held (the word started at 0); then up to "world"'s start at 650 ms, with the
    // words complete by then; then the rest with "world."
    int upToWorld = 650 * PER_MS;
    assertEquals(upToWorld, sink.calls.stream().limit(sink.calls.size() - 1)
        .mapToInt(c -> c.audio().length).sum());
    RecordingSink.Call last = sink.calls.get(sink.calls.size() - 1);
    assertEquals(List.of(word("world.", 650, 950)), last.words());
    assertEquals(950 * PER_MS - upToWorld, last.audio().length);
  }

  @Test
  void base64BrokenIntoLinesAndMessagesSpanningLinesAreRead() {
    byte[] audio = pcm(7, 600);
    String mime = java.util.Base64.getMimeEncoder().encodeToString(audio); // CRLF every 76 chars
    ObjectNode m = message(new byte[0], spoken("Hi", 0, 0.1));
    m.put("audio_base64", mime);
    String pretty = m.toPrettyString(); // one object over many lines
    server.enqueue(ElevenLabsStreams.ok(pretty + "\n\n" + m + m));
    RecordingSink sink = say(provider().build(), "Hi");
    assertNull(sink.awaitEnd());
    assertArrayEquals(concat(audio, audio, audio), sink.audio());
  }

  @Test
  void aSampleCutBetweenMessagesIsJoinedNotDropped() {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(
        message(new byte[] {1, 2, 3}, spoken("Hi", 0, 0.1)),
        message(new byte[] {4, 5, 6}, null)))));
    RecordingSink sink = say(provider().build(), "Hi");
    assertNull(sink.awaitEnd());
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, sink.audio());
    assertTrue(sink.calls.stream().allMatch(c -> c.audio().length % 2 == 0), "whole samples only");
  }

  @Test
  void theNormalizedAlignmentServesWhenTheAlignmentIsNull() {
    ObjectNode m = message(pcm(1, 200), spoken("It is 3.", 0, 0.01));
    m.putNull("alignment");
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(m))));
    RecordingSink sink = say(provider().build(), "It is 3.");
    assertNull(sink.awaitEnd());
    assertEquals(List.of("It", "is", "3."), sink.words().stream().map(WordTiming::word).toList());
  }

  @Test
  void messagesWithoutAlignmentStillDeliverTheirAudio() {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(
        message(pcm(1, 100), null), message(pcm(2, 100), null)))));
    RecordingSink sink = say(provider().build(), "Hi");
    assertNull(sink.awaitEnd());
    assertArrayEquals(concat(pcm(1, 100), pcm(2, 100)), sink.audio());
    assertEquals(List.of(), sink.words());
  }

  // ---------------------------------------------------------------- errors

  @Test
  void anInvalidKeyIsATypedErrorWithElevenLabsStatusAndIsNotRetried() {
    server.enqueue(new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
        .body("{\"detail\":{\"status\":\"invalid_api_key\",\"message\":\"Invalid API key\"}}").build());
    RecordingSink sink = say(provider().build(), "Hi");
    ProviderException e = assertInstanceOf(ProviderException.class, sink.awaitEnd());
    assertEquals(401, e.status().getAsInt());
    assertEquals("invalid_api_key", e.errorCode().orElseThrow());
    assertEquals("Invalid API key", e.providerMessage().orElseThrow());
    assertEquals(OfficeHoursException.Stage.TTS, e.stage());
    assertFalse(e.retryable());
    assertEquals(1, e.attempts());
    assertEquals(1, server.getRequestCount());
    assertEquals(0, sink.calls.size());
  }

  @Test
  void tooManyRequestsIsRetriedAfterTheWaitItAsksFor() {
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "0")
        .body("{\"detail\":{\"status\":\"too_many_concurrent_requests\",\"message\":\"busy\"}}")
        .build());
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 4), spoken("Hi", 0, 0.1))))));
    RecordingSink sink = say(provider().build(), "Hi");
    assertNull(sink.awaitEnd());
    assertEquals(2, server.getRequestCount());
    assertArrayEquals(pcm(1, 4), sink.audio());
  }

  @Test
  void tooManyRequestsCarriesRetryAfterWhenNotRetried() {
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "3")
        .body("{\"detail\":{\"status\":\"system_busy\",\"message\":\"try later\"}}").build());
    RecordingSink sink = say(provider().retryPolicy(RetryPolicy.NONE).build(), "Hi");
    ProviderException e = assertInstanceOf(ProviderException.class, sink.awaitEnd());
    assertEquals(429, e.status().getAsInt());
    assertTrue(e.retryable());
    assertEquals(Duration.ofSeconds(3), e.retryAfter().orElseThrow());
    assertEquals("system_busy", e.errorCode().orElseThrow());
  }

  @Test
  void aValidationErrorNamesTheFieldFromItsDetailList() {
    server.enqueue(new MockResponse.Builder().code(422).body("{\"detail\":[{\"loc\":[\"body\","
        + "\"text\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}").build());
    ProviderException e = assertInstanceOf(ProviderException.class,
        say(provider().build(), "Hi").awaitEnd());
    assertEquals("body.text: field required", e.providerMessage().orElseThrow());
    assertEquals("value_error.missing", e.errorType().orElseThrow());
    assertFalse(e.retryable());
  }

  @Test
  void anErrorInTheStreamAfterAudioFailsWithoutRetry() {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 400), null)))
        + "{\"detail\":{\"status\":\"server_error\",\"message\":\"generation failed\"}}\n"));
    RecordingSink sink = say(provider().build(), "Hi");
    ProviderException e = assertInstanceOf(ProviderException.class, sink.awaitEnd());
    assertEquals("server_error", e.errorCode().orElseThrow());
    assertFalse(e.retryable(), "audio already went on: a retry would repeat it");
    assertEquals(1, server.getRequestCount());
    assertFalse(sink.calledAfterEnd);
  }

  @Test
  void aMessageLongerThanTheLimitFailsNamingTheSetting() {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 4000), null)))));
    ProviderException e = assertInstanceOf(ProviderException.class,
        say(provider().maxMessageBytes(1024).build(), "Hi").awaitEnd());
    assertTrue(e.getMessage().contains("maxMessageBytes"), e.getMessage());
    assertTrue(e.getMessage().contains("1024"), e.getMessage());
  }

  @Test
  void anHtmlPageInsteadOfTheStreamFails() {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/html")
        .body("<html><body>Bad gateway</body></html>").build());
    ProviderException e = assertInstanceOf(ProviderException.class,
        say(provider().build(), "Hi").awaitEnd());
    assertTrue(e.getMessage().contains("HTML"), e.getMessage());
  }

  @Test
  void aBodyThatIsNotJsonFailsAndDeliversNothing() {
    server.enqueue(new MockResponse.Builder().body("OK then").build());
    RecordingSink sink = say(provider().build(), "Hi");
    assertInstanceOf(ProviderException.class, sink.awaitEnd());
    assertEquals(0, sink.calls.size());
  }

  @Test
  void theKeyIsRedactedFromWhatTheServerEchoesAndNeverShown() {
    server.enqueue(new MockResponse.Builder().code(401).body("{\"detail\":{\"status\":"
        + "\"invalid_api_key\",\"message\":\"key " + KEY + " is not valid\"}}").build());
    ElevenLabsSpeech tts = provider().build();
    ProviderException e = assertInstanceOf(ProviderException.class, say(tts, "Hi").awaitEnd());
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
    assertFalse(e.providerMessage().orElseThrow().contains(KEY));
    assertFalse(tts.toString().contains(KEY), tts.toString());
    assertTrue(tts.toString().contains("apiKey=***"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ElevenLabsSpeech.builder().apiKey("sk_secret\nvalue"));
    assertFalse(bad.getMessage().contains("secret"), bad.getMessage());
  }

  // ---------------------------------------------------------------- cancel

  @Test
  void cancelClosesTheConnectionAndNoCallbackFollows() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch writeFailed = new CountDownLatch(1);
    ObjectNode first = message(pcm(1, 480), null);
    server.enqueue(ElevenLabsStreams.chunked(out -> {
      out.writeUtf8(first + "\n").flush();
      try {
        assertTrue(cancelled.await(10, TimeUnit.SECONDS));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // writes fail once the client has closed the connection (after the kernel's buffers)
        while (System.nanoTime() < until) {
          out.writeUtf8(message(pcm(2, 4800), null) + "\n").flush();
        }
      } catch (IOException e) {
        writeFailed.countDown();
        throw e;
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    }));
    RecordingSink sink = new RecordingSink();
    ElevenLabsSpeech tts = provider().build();
    TtsCall call = tts.synthesize(tts.request("Hi"), sink);
    assertTrue(sink.firstAudio.await(10, TimeUnit.SECONDS));
    call.cancel();
    int seen;
    synchronized (sink) {
      seen = sink.calls.size();
    }
    cancelled.countDown();
    assertTrue(writeFailed.await(10, TimeUnit.SECONDS), "the server saw the connection close");
    assertEquals(0, sink.terminals, "no terminal callback after cancel");
    synchronized (sink) {
      assertTrue(sink.calls.size() <= seen + 1, "at most a piece already in hand went on");
    }
  }

  // ---------------------------------------------------------------- configuration

  @Test
  void everyBadSettingIsRejectedNamingIt() {
    ElevenLabsSpeech.Builder b = ElevenLabsSpeech.builder();
    assertMessage("speed", () -> b.speed(1.5));
    assertMessage("stability", () -> b.stability(1.1));
    assertMessage("similarityBoost", () -> b.similarityBoost(-0.1));
    assertMessage("style", () -> b.style(Double.NaN));
    assertMessage("voice", () -> b.voice(" "));
    assertMessage("model", () -> b.model(""));
    assertMessage("timeout", () -> b.timeout(Duration.ZERO));
    assertMessage("maxInputChars", () -> b.maxInputChars(0));
    assertMessage("maxMessageBytes", () -> b.maxMessageBytes(10));
    assertMessage("baseUrl", () -> b.baseUrl("ftp:nothing"));
    assertMessage("output_format", () -> b.queryParameter("output_format", "mp3_44100_128"));
    assertMessage("opus", () -> b.format(AudioFormat.OPUS));
  }

  private static void assertMessage(String named, org.junit.jupiter.api.function.Executable bad) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
    assertTrue(e.getMessage().contains(named), e.getMessage());
  }

  @Test
  void aRequestElevenLabsCannotServeFailsAtOnceNamingTheField() {
    ElevenLabsSpeech tts = provider().build();
    RecordingSink sink = new RecordingSink();
    assertEquals("text", assertThrows(InvalidRequestException.class,
        () -> tts.synthesize(tts.request(" "), sink)).field());
    assertEquals("speed", assertThrows(InvalidRequestException.class,
        () -> tts.synthesize(new dev.officehours.tts.SpeechRequest("Hi", "m", VOICE, 2.0, "",
            AudioFormat.PCM_24K), sink)).field());
    assertEquals("format", assertThrows(InvalidRequestException.class,
        () -> tts.synthesize(new dev.officehours.tts.SpeechRequest("Hi", "m", VOICE, 1.0, "",
            AudioFormat.WAV), sink)).field());
    assertEquals("text", assertThrows(InvalidRequestException.class,
        () -> tts.synthesize(tts.request("x".repeat(5001)), sink)).field());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void theEnvironmentConfiguresKeyUrlVoiceAndModel() throws Exception {
    server.enqueue(ElevenLabsStreams.ok(ndjson(List.of(message(pcm(1, 4), null)))));
    ElevenLabsSpeech tts = ElevenLabsSpeech.fromEnvironment(Map.of(
        "ELEVENLABS_API_KEY", KEY, "ELEVENLABS_BASE_URL", server.url("/").toString(),
        "ELEVENLABS_VOICE_ID", "voice-x", "ELEVENLABS_MODEL_ID", "eleven_turbo_v2_5"));
    assertNull(say(tts, "Hi").awaitEnd());
    RecordedRequest request = server.takeRequest();
    assertEquals(KEY, request.getHeaders().get("xi-api-key"));
    assertTrue(request.getUrl().encodedPath().contains("/voice-x/"));
    assertEquals("eleven_turbo_v2_5",
        ElevenLabsStreams.JSON.readTree(request.getBody().utf8()).get("model_id").asText());
  }

  @Test
  void voiceSettingsArePartOfTheIdSoCachesKeepVoicesApart() {
    String plain = ElevenLabsSpeech.builder().build().id();
    String calm = ElevenLabsSpeech.builder().stability(0.9).build().id();
    assertEquals("elevenlabs-speech@api.elevenlabs.io", plain);
    assertTrue(calm.startsWith(plain) && !calm.equals(plain), calm);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
