package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.TextDelta;
import dev.officehours.Turn;
import dev.officehours.TurnCancelled;
import dev.officehours.TurnEvent;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeakableText;
import dev.officehours.text.SpeechChunker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline with the real OpenAI-compatible providers, over loopback HTTP against
 * MockWebServer playing the LLM and TTS servers: streamed SSE and streamed audio bodies whose
 * every piece the test releases when it wants.
 */
class PipelineOverHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FIRST = "Our office hours are nine to five on weekdays.";
  private static final String SECOND = " On Saturdays we open from ten until two in the afternoon.";

  private MockWebServer server;
  private Function<RecordedRequest, MockResponse> chat;
  private Function<RecordedRequest, MockResponse> speech;
  private final AtomicInteger chatRequests = new AtomicInteger();
  private ConversationPipeline pipeline;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
          chatRequests.incrementAndGet();
          return chat.apply(request);
        }
        return speech.apply(request);
      }
    });
    server.start();
    String base = server.url("/v1").toString();
    RetryPolicy fast = new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(1));
    pipeline = ConversationPipeline.builder()
        .llm(OpenAiChat.builder().baseUrl(base).apiKey("sk-test").retryPolicy(fast).build())
        .tts(OpenAiSpeech.builder().baseUrl(base).apiKey("sk-test").retryPolicy(fast).build())
        // These tests are about order and cancel with every chunk in flight at once; the
        // lookahead is tested on a manual clock in SpeechTimeTest.
        .speechLookahead(Duration.ofHours(1))
        .build();
  }

  @AfterEach
  void stop() {
    pipeline.close();
    server.close();
  }

  /** An SSE body of OpenAI chunks, one per word, written by the test step by step. */
  private static MockResponse sse(StreamingBody.Writer writer) {
    return StreamingBody.response(writer).setHeader("Content-Type", "text/event-stream").build();
  }

  private static void words(BufferedSink sink, String text) throws IOException {
    for (String w : text.split("(?<=\\S)(?=\\s)")) {
      sink.writeUtf8(SampleStreams.delta(w)).flush();
    }
  }

  private static void finish(BufferedSink sink) throws IOException {
    sink.writeUtf8(SampleStreams.finish("stop")).writeUtf8(SampleStreams.DONE).flush();
  }

  /** PCM whose every byte is {@code value}, so frames tell which chunk they belong to. */
  private static byte[] pcm(int value, int length) {
    byte[] b = new byte[length];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  private static MockResponse audio(byte[] pcm) {
    return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
        .body(new Buffer().write(pcm)).build();
  }

  /** The speakable chunks the pipeline cuts from {@code answer} (same chunker, same cleaning). */
  private static List<String> speakableChunks(String answer) {
    List<String> raw = new ArrayList<>();
    SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    chunker.append(answer, raw::add);
    chunker.flush(raw::add);
    return raw.stream().map(SpeakableText::clean).filter(t -> !t.isEmpty()).toList();
  }

  private static String input(RecordedRequest r) {
    try {
      return JSON.readTree(r.getBody().utf8()).get("input").asText();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Writes until the client's close makes a write fail; bounded at 5 s. */
  private static void writeUntilClosed(BufferedSink sink, byte[] piece, CountDownLatch closed) throws IOException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      while (System.nanoTime() < end) {
        sink.write(piece).flush();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // pacing, not synchronisation
      }
    } catch (IOException expected) {
      closed.countDown();
      throw expected;
    }
  }

  /** Records a turn's events, with latches for the first audio and the end. */
  static final class Events {
    final List<TurnEvent> all = new CopyOnWriteArrayList<>();
    final CountDownLatch firstAudio = new CountDownLatch(1);
    final CountDownLatch terminal = new CountDownLatch(1);
    final TurnListener listener = TurnListener.of(this::add);

    private void add(TurnEvent e) {
      all.add(e);
      if (e instanceof AudioFrame) {
        firstAudio.countDown();
      }
      if (e.terminal()) {
        terminal.countDown();
      }
    }

    List<AudioFrame> audio() {
      List<AudioFrame> out = new ArrayList<>();
      all.stream().filter(AudioFrame.class::isInstance).forEach(e -> out.add((AudioFrame) e));
      return out;
    }
  }

  @Test
  void firstAudioPlaysWhileTheLlmIsStillStreaming() throws Exception {
    Events events = new Events();
    CountDownLatch llmHeld = new CountDownLatch(1);
    boolean[] audioCameFirst = new boolean[1];
    chat = r -> sse(sink -> {
      words(sink, FIRST + " On");
      // Hold the rest of the answer until the caller hears the first chunk.
      audioCameFirst[0] = await(events.firstAudio);
      llmHeld.countDown();
      words(sink, SECOND.substring(3));
      finish(sink);
    });
    speech = r -> audio(pcm(1, 4800));

    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events.listener);
    TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);
    assertTrue(await(llmHeld));
    assertTrue(audioCameFirst[0], "audio reached the caller while the LLM stream was still open");
    assertEquals(FIRST + SECOND, result.text());
    assertTrue(result.metrics().timeToFirstAudio().orElseThrow()
        .compareTo(result.metrics().total()) < 0);
  }

  @Test
  void audioStaysInChunkOrderWhenChunkTwoIsSynthesisedFirst() throws Exception {
    CountDownLatch laterChunkWritten = new CountDownLatch(1);
    List<String> chunks = speakableChunks(FIRST + SECOND);
    chat = r -> sse(sink -> {
      words(sink, FIRST + SECOND);
      finish(sink);
    });
    speech = r -> {
      int index = chunks.indexOf(input(r));
      if (index == 0) {
        // The first chunk's audio waits until a later chunk's audio was sent in full.
        return StreamingBody.response(sink -> {
          await(laterChunkWritten);
          sink.write(pcm(1, 2400)).flush();
          sink.write(pcm(1, 2400)).flush();
        }).setHeader("Content-Type", "audio/pcm").build();
      }
      return StreamingBody.response(sink -> {
        sink.write(pcm(index + 1, 2400)).flush();
        laterChunkWritten.countDown();
      }).setHeader("Content-Type", "audio/pcm").build();
    };
    Events events = new Events();
    TurnResult result = pipeline.start(TurnRequest.of("s1", "Hours?"), events.listener)
        .completion().get(10, TimeUnit.SECONDS);

    assertTrue(result.metrics().chunks() >= 2, "the answer was cut into several chunks");
    assertTrue(laterChunkWritten.getCount() == 0);
    List<AudioFrame> audio = events.audio();
    assertEquals(0, audio.get(0).chunkIndex(), "the first chunk plays first");
    assertEquals(1, audio.get(0).data()[0], "and it is the first chunk's audio");
    int previous = 0;
    for (AudioFrame f : audio) {
      assertTrue(f.chunkIndex() >= previous, "chunk order held: " + audio);
      previous = f.chunkIndex();
    }
    assertTrue(result.speechFailures().isEmpty());
  }

  @Test
  void cancelMidStreamClosesTheLlmAndTtsConnections() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch llmClosed = new CountDownLatch(1);
    CountDownLatch ttsClosed = new CountDownLatch(1);
    chat = r -> sse(sink -> {
      words(sink, FIRST + " On");
      await(cancelled);
      writeUntilClosed(sink, SampleStreams.delta(" and").getBytes(), llmClosed);
    });
    speech = r -> StreamingBody.response(sink -> {
      sink.write(pcm(1, 2400)).flush();
      await(cancelled);
      writeUntilClosed(sink, pcm(1, 480), ttsClosed);
    }).setHeader("Content-Type", "audio/pcm").build();

    Events events = new Events();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events.listener);
    assertTrue(await(events.firstAudio));
    assertTrue(turn.cancel());
    cancelled.countDown();

    assertTrue(llmClosed.await(10, TimeUnit.SECONDS), "the LLM server saw its connection closed");
    assertTrue(ttsClosed.await(10, TimeUnit.SECONDS), "the TTS server saw its connection closed");
    TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);
    assertEquals(TurnOutcome.CANCELLED, result.outcome());
    assertTrue(await(events.terminal));
    List<TurnEvent> all = events.all;
    assertInstanceOf(TurnCancelled.class, all.get(all.size() - 1), "nothing follows onCancelled");
    assertFalse(result.text().contains(" and"), "no token sent after the cancel was shown");
    assertEquals(1, all.stream().filter(TurnEvent::terminal).count());
  }

  @Test
  void anLlmFailureBeforeTheFirstTokenIsRetried() throws Exception {
    AtomicInteger attempt = new AtomicInteger();
    chat = r -> attempt.incrementAndGet() == 1
        ? new MockResponse.Builder().code(503).body("{\"error\":{\"message\":\"overloaded\"}}").build()
        : sse(sink -> {
          words(sink, FIRST);
          finish(sink);
        });
    speech = r -> audio(pcm(1, 480));
    TurnResult result = pipeline.start(TurnRequest.of("s1", "Hours?"), new Events().listener)
        .completion().get(10, TimeUnit.SECONDS);
    assertEquals(FIRST, result.text(), "the answer once, not twice");
    assertEquals(2, chatRequests.get());
  }

  @Test
  void anLlmFailureAfterTheFirstTokenIsNotRetried() throws Exception {
    // Chunked framing, and the socket is closed half-way through the body: a truncated stream.
    chat = r -> new MockResponse.Builder()
        .setHeader("Content-Type", "text/event-stream")
        .chunkedBody(SampleStreams.delta("Our") + SampleStreams.delta(" office") + SampleStreams.delta(" hours")
            + SampleStreams.finish("stop") + SampleStreams.DONE, 16)
        .onResponseBody(new SocketEffect.CloseSocket())
        .build();
    speech = r -> audio(pcm(1, 480));
    Events events = new Events();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events.listener);
    CompletionException e = assertThrows(CompletionException.class, () -> turn.completion().join());
    assertInstanceOf(ProviderException.class, e.getCause());
    assertEquals(1, chatRequests.get(), "no second request once text was shown");
    assertTrue(await(events.terminal));
    assertInstanceOf(TurnFailed.class, events.all.get(events.all.size() - 1));
  }

  @Test
  void anErrorPayloadMidStreamFailsTheTurnAndKeepsTheTextShown() throws Exception {
    chat = r -> sse(sink -> {
      words(sink, "Our office");
      sink.writeUtf8("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\","
          + "\"code\":\"internal_error\"}}\n\n").flush();
    });
    speech = r -> audio(pcm(1, 480));
    Events events = new Events();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events.listener);
    CompletionException e = assertThrows(CompletionException.class, () -> turn.completion().join());
    ProviderException error = (ProviderException) e.getCause();
    assertEquals("internal_error", error.errorCode().orElseThrow());
    assertFalse(error.getMessage().contains("sk-test"));
    assertEquals("Our office",
        pipeline.conversationStore().load("s1").join().get(1).text(), "the text shown is kept in history");
  }
}
