package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.Turn;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.fallback.FallbackLlm;
import dev.officehours.fallback.FallbackTts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fallback chains of the real OpenAI-compatible providers, each chain over two servers on
 * loopback: the primary fails, the secondary serves, and the turn's result says so.
 */
class FallbackOverHttpTest {
  private static final byte[] SECONDARY_PCM = pcm(7, 4800);
  private static final String UNAVAILABLE = "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}";

  private MockWebServer primary;
  private MockWebServer secondary;
  private volatile MockResponse primaryChat;
  private volatile MockResponse primarySpeech;
  private FallbackLlm llm;
  private FallbackTts tts;
  private ConversationPipeline pipeline;

  @BeforeEach
  void start() throws IOException {
    primary = new MockWebServer();
    primary.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return request.getUrl().encodedPath().endsWith("/chat/completions") ? primaryChat : primarySpeech;
      }
    });
    secondary = new MockWebServer();
    secondary.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
          return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
              .body(SampleStreams.OPENAI).build();
        }
        return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
            .body(new Buffer().write(SECONDARY_PCM)).build();
      }
    });
    primary.start();
    secondary.start();
    String a = primary.url("/v1").toString();
    String b = secondary.url("/v1").toString();
    llm = FallbackLlm.builder(List.of(
        OpenAiChat.builder().baseUrl(a).apiKey("sk-primary").retryPolicy(RetryPolicy.NONE).build(),
        OpenAiChat.builder().baseUrl(b).apiKey("sk-secondary").retryPolicy(RetryPolicy.NONE).build()))
        .build();
    tts = FallbackTts.builder(List.of(
        OpenAiSpeech.builder().baseUrl(a).apiKey("sk-primary").retryPolicy(RetryPolicy.NONE).build(),
        OpenAiSpeech.builder().baseUrl(b).apiKey("sk-secondary").voice("nova")
            .retryPolicy(RetryPolicy.NONE).build()))
        .build();
    pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();
  }

  @AfterEach
  void stop() {
    pipeline.close();
    llm.close();
    tts.close();
    primary.close();
    secondary.close();
  }

  private static byte[] pcm(int value, int length) {
    byte[] b = new byte[length];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  private static MockResponse status(int code) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json")
        .body(UNAVAILABLE).build();
  }

  /** Collects the audio a turn delivered. */
  private static final class Audio implements TurnListener {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void onAudio(AudioFrame frame) {
      bytes.writeBytes(frame.data());
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }

  @Test
  void failingPrimariesBeforeTheirFirstByteLeaveTheTurnToTheSecondaries() throws Exception {
    primaryChat = status(503);
    primarySpeech = status(500);
    Audio audio = new Audio();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hello?"), audio);

    TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);

    assertEquals("Hello there, friend.", result.text());
    String b = "localhost:" + secondary.getPort();
    assertEquals("openai-chat@" + b, result.llmProvider());
    assertEquals(List.of("openai-speech@" + b), result.ttsProviders());
    byte[] heard = audio.bytes();
    assertEquals(0, heard.length % SECONDARY_PCM.length, "whole chunks of the secondary's audio");
    assertTrue(heard.length > 0);
    for (byte sample : heard) {
      assertEquals(7, sample, "every byte the turn spoke is the secondary's");
    }
    assertEquals(1, countChat(primary), "the primary's chat failed once, before its first token");
    RecordedRequest speech = lastSpeechRequest(secondary);
    assertTrue(speech.getBody().utf8().contains("\"voice\":\"nova\""),
        "the secondary speaks with its own voice");
  }

  @Test
  void aStreamThatFailsAfterItsFirstTokenFailsTheTurnWithoutAskingTheSecondary() throws Exception {
    primaryChat = new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Nine to\"}}]}\n\n"
            + "data: " + UNAVAILABLE + "\n\n")
        .build();
    primarySpeech = new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
        .body(new Buffer().write(pcm(1, 480))).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new Audio());

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> turn.completion().get(10, TimeUnit.SECONDS));
    assertInstanceOf(ProviderException.class, e.getCause());
    assertEquals(0, countChat(secondary), "two answers are never mixed");
  }

  private static int countChat(MockWebServer server) throws InterruptedException {
    int chat = 0;
    for (int i = server.getRequestCount(); i > 0; i--) {
      RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
      if (r != null && r.getUrl().encodedPath().endsWith("/chat/completions")) {
        chat++;
      }
    }
    return chat;
  }

  private static RecordedRequest lastSpeechRequest(MockWebServer server) throws InterruptedException {
    RecordedRequest speech = null;
    for (int i = server.getRequestCount(); i > 0; i--) {
      RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
      if (r != null && r.getUrl().encodedPath().endsWith("/audio/speech")) {
        speech = r;
      }
    }
    if (speech == null) {
      throw new AssertionError("the secondary got no speech request");
    }
    return speech;
  }
}
