package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.openai.OpenAiTranscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Turns started from audio with the real {@link OpenAiTranscription} over loopback to a mock
 * OpenAI server; the LLM is faked at the process boundary.
 */
class SpeechInputOverHttpTest {
  private MockWebServer server;
  private final FakeLlm llm = new FakeLlm();
  private final InMemoryConversationStore store = InMemoryConversationStore.create();
  private final CountDownLatch httpCancelled = new CountDownLatch(1);
  private ConversationPipeline pipeline;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    OkHttpClient client = new OkHttpClient.Builder().eventListener(new EventListener() {
      @Override
      public void canceled(Call call) {
        httpCancelled.countDown();
      }
    }).build();
    OpenAiTranscription stt = OpenAiTranscription.builder().baseUrl(server.url("/v1").toString())
        .httpClient(client).retryPolicy(new RetryPolicy(0, Duration.ofMillis(10), Duration.ofSeconds(1)))
        .build();
    pipeline = ConversationPipeline.builder().llm(llm).stt(stt).conversationStore(store).build();
  }

  @AfterEach
  void stop() {
    pipeline.close();
    server.close();
  }

  @Test
  void theRecordingIsUploadedAndWhatTheServerHeardIsAnswered() throws Exception {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"text\":\" When are office hours? \"}").build());
    byte[] wav = SpeechInputTurnTest.wav(3_244);
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.startFromAudio("s1", SpeechInput.of(wav, "audio/wav").withLanguage("en"), events);

    FakeLlm.Stream stream = llm.nextStream();
    List<ChatMessage> messages = stream.request.messages();
    assertEquals(ChatMessage.user("When are office hours?"), messages.get(messages.size() - 1));
    stream.tokens("Nine to five.").complete();
    turn.completion().join();

    RecordedRequest upload = server.takeRequest();
    assertEquals("/v1/audio/transcriptions", upload.getUrl().encodedPath());
    String body = upload.getBody().string(StandardCharsets.ISO_8859_1);
    assertTrue(body.contains("name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
        + new String(wav, StandardCharsets.ISO_8859_1) + "\r\n"), "the recording is the file part");
    assertTrue(body.contains("name=\"language\"\r\n\r\nen\r\n"), "the language is sent");
    Transcribed transcript = (Transcribed) events.events().get(0);
    assertEquals("en", transcript.language());
  }

  @Test
  void cancellingDuringTranscriptionCancelsTheHttpCall() throws Exception {
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.startFromAudio("s1", SpeechInput.of(SpeechInputTurnTest.wav(1_000), "audio/wav"), events);
    server.takeRequest(); // the upload arrived; the server holds its answer back
    turn.cancel();

    assertTrue(httpCancelled.await(10, TimeUnit.SECONDS), "the HTTP call was not cancelled");
    assertInstanceOf(TurnCancelled.class, events.awaitTerminal());
    assertTrue(store.load("s1").join().isEmpty());
    assertTrue(llm.streams.isEmpty());
  }

  @Test
  void aRefusedUploadEndsTheTurnWithTheServersErrorAndNoHistory() {
    server.enqueue(new MockResponse.Builder().code(400).setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"message\":\"Audio file might be corrupted or unsupported\","
            + "\"type\":\"invalid_request_error\",\"code\":\"invalid_value\"}}").build());
    RecordingListener events = new RecordingListener();
    pipeline.startFromAudio("s1", SpeechInput.of(SpeechInputTurnTest.wav(1_000), "audio/wav"), events);

    TurnFailed failed = assertInstanceOf(TurnFailed.class, events.awaitTerminal());
    ProviderException error = assertInstanceOf(ProviderException.class, failed.error());
    assertEquals(400, error.status().getAsInt());
    assertTrue(error.getMessage().contains("corrupted"), error.getMessage());
    assertTrue(store.load("s1").join().isEmpty());
    assertTrue(llm.streams.isEmpty());
  }
}
