package dev.officehours.elevenlabs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.TurnEvent;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.tts.TtsProvider;
import dev.officehours.tts.WordTiming;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * The whole pipeline over loopback HTTP with a second TTS family: OpenAI-compatible chat, and
 * ElevenLabs (timings reported) or OpenAI speech (timings estimated) served by MockWebServer.
 */
class WordTimingsOverHttpTest {
  private static final String ANSWER =
      "Our office hours are nine to five on weekdays. On Saturdays we open from ten until two.";
  /** ElevenLabs speaks 50 ms a character here; 48 bytes of 24 kHz PCM a millisecond. */
  private static final double PER_CHAR = 0.05;
  private static final int PER_MS = 48;

  private MockWebServer server;
  private final List<String> spokenTexts = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (path.endsWith("/chat/completions")) {
          return chat();
        }
        try {
          if (path.endsWith("/stream/with-timestamps")) {
            String text = ElevenLabsStreams.JSON.readTree(request.getBody().utf8()).get("text").asText();
            spokenTexts.add(text);
            return ElevenLabsStreams.splitAtRandom(elevenLabs(text), text.hashCode());
          }
          String text = ElevenLabsStreams.JSON.readTree(request.getBody().utf8()).get("input").asText();
          return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
              .body(new Buffer().write(new byte[text.length() * 50 * PER_MS])).build();
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static MockResponse chat() {
    StringBuilder sse = new StringBuilder();
    for (String w : ANSWER.split("(?<=\\S)(?=\\s)")) {
      sse.append("data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"").append(w).append("\"},\"finish_reason\":null}]}\n\n");
    }
    sse.append("data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body(new Buffer().writeUtf8(sse.toString())).build();
  }

  /** The text spoken in three messages cut inside words, audio matching the characters' time. */
  private static String elevenLabs(String text) {
    List<ElevenLabsStreams.Char> chars = ElevenLabsStreams.spoken(text, 0, PER_CHAR);
    int a = text.length() / 3 + 1;
    int b = 2 * text.length() / 3 + 1;
    List<ObjectNode> messages = new ArrayList<>();
    int from = 0;
    int value = 1;
    for (int to : new int[] {a, b, text.length()}) {
      messages.add(ElevenLabsStreams.message(
          ElevenLabsStreams.pcm(value++, (to - from) * 50 * PER_MS), chars.subList(from, to)));
      from = to;
    }
    return ElevenLabsStreams.ndjson(messages);
  }

  /** What ElevenLabs' alignment above says of the words of {@code text}. */
  private static List<WordTiming> reported(String text) {
    List<WordTiming> words = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+").matcher(text);
    while (m.find()) {
      words.add(new WordTiming(m.group(), Duration.ofNanos(Math.round(m.start() * PER_CHAR * 1e9)),
          Duration.ofNanos(Math.round(m.end() * PER_CHAR * 1e9)), false));
    }
    return words;
  }

  private List<AudioFrame> answer(TtsProvider tts) throws Exception {
    List<AudioFrame> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<TurnEvent> end = new CompletableFuture<>();
    try (ConversationPipeline pipeline = ConversationPipeline.builder()
        .llm(OpenAiChat.builder().baseUrl(server.url("/v1").toString()).apiKey("sk-test").build())
        .tts(tts)
        .speechLookahead(Duration.ofHours(1))
        .build()) {
      pipeline.start(TurnRequest.of("s1", "When are you open?"), new TurnListener() {
        @Override
        public void onAudio(AudioFrame frame) {
          frames.add(frame);
        }

        @Override
        public void onComplete(TurnResult result) {
          end.complete(result);
        }

        @Override
        public void onError(dev.officehours.TurnFailed failure) {
          end.complete(failure);
        }
      });
      assertInstanceOf(TurnResult.class, end.get(20, TimeUnit.SECONDS));
    }
    return frames;
  }

  /** The frames of one chunk, checked to be in order. */
  private static List<List<AudioFrame>> byChunk(List<AudioFrame> frames) {
    List<List<AudioFrame>> chunks = new ArrayList<>();
    for (AudioFrame f : frames) {
      if (f.frameIndex() == 0) {
        assertEquals(chunks.size(), f.chunkIndex(), "chunks in order");
        chunks.add(new ArrayList<>());
      }
      List<AudioFrame> chunk = chunks.get(chunks.size() - 1);
      assertEquals(chunks.size() - 1, f.chunkIndex(), "chunks in order");
      assertEquals(chunk.size(), f.frameIndex(), "frames in order");
      chunk.add(f);
    }
    return chunks;
  }

  @Test
  void elevenLabsAsThePipelinesVoiceDeliversFramesInOrderWithTheWordTimingsItReported()
      throws Exception {
    ElevenLabsSpeech tts = ElevenLabsSpeech.builder().baseUrl(server.url("/").toString())
        .apiKey("sk_test").build();
    List<List<AudioFrame>> chunks = byChunk(answer(tts));

    assertTrue(chunks.size() >= 2, "the answer is spoken in several chunks: " + spokenTexts);
    for (List<AudioFrame> chunk : chunks) {
      String text = chunk.get(0).chunkText();
      List<WordTiming> words = chunk.stream().flatMap(f -> f.words().stream()).toList();
      assertEquals(reported(text), words, "chunk '" + text + "'");
      long at = 0;
      for (AudioFrame f : chunk) {
        for (WordTiming w : f.words()) {
          assertTrue(w.start().toNanos() >= at * 1_000_000L / PER_MS,
              w + " came after its audio had started");
        }
        at += f.data().length;
      }
      assertEquals(Math.round(text.length() * PER_CHAR * 1000) * PER_MS, at, "all the audio");
      assertTrue(chunk.get(chunk.size() - 1).data().length > 0);
    }
  }

  @Test
  void openAiSpeechThroughThePipelineGetsEstimatedTimingsOnEveryChunksFirstFrame()
      throws Exception {
    OpenAiSpeech tts = OpenAiSpeech.builder().baseUrl(server.url("/v1").toString())
        .apiKey("sk-test").build();
    List<List<AudioFrame>> chunks = byChunk(answer(tts));

    assertTrue(chunks.size() >= 2);
    for (List<AudioFrame> chunk : chunks) {
      String text = chunk.get(0).chunkText();
      List<WordTiming> words = chunk.get(0).words();
      assertEquals(Arrays.asList(text.split("\\s+")), words.stream().map(WordTiming::word).toList());
      assertTrue(words.stream().allMatch(WordTiming::estimated), words.toString());
      for (int i = 1; i < words.size(); i++) {
        assertFalse(words.get(i).start().compareTo(words.get(i - 1).end()) < 0, "in order");
      }
      assertTrue(chunk.stream().skip(1).allMatch(f -> f.words().isEmpty()));
    }
  }
}
