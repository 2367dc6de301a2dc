package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.ConversationPipeline;
import dev.officehours.SpeechFailure;
import dev.officehours.Turn;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.metrics.TurnOutcome;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A TTS server over loopback that answers every sentence with 400 MB of audio, as fast as the
 * client reads, while the pipeline runs with the TTS cache on. In the forked small-heap JVM
 * (96 MB): the speech audio limit closes each synthesis early, nothing is cached, memory stays
 * bounded.
 */
@Tag("heap-bound")
class HostileSpeechHeapBoundTest {
  private static final long BODY_BYTES = 400L * 1024 * 1024;
  private static final String ANSWER = "Our office hours are nine to five today.";

  @Test
  void fourHundredMegabytesOfAudioPerSentenceAreCutAtTheLimitAndNeverCached() throws Exception {
    AtomicLong written = new AtomicLong();
    AtomicInteger speechRequests = new AtomicInteger();
    ByteString block = ByteString.of(new byte[64 * 1024]);
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
            return StreamingBody.response(sink -> {
              for (String w : ANSWER.split("(?<=\\S)(?=\\s)")) {
                sink.writeUtf8(SampleStreams.delta(w)).flush();
              }
              sink.writeUtf8(SampleStreams.finish("stop")).writeUtf8(SampleStreams.DONE).flush();
            }).setHeader("Content-Type", "text/event-stream").build();
          }
          speechRequests.incrementAndGet();
          return StreamingBody.response(sink -> {
            long sent = 0;
            try {
              while (sent < BODY_BYTES) {
                sink.write(block).flush();
                sent += block.size();
                written.addAndGet(block.size());
              }
            } catch (IOException e) {
              // the client closed the synthesis: the expected end
            }
          }).setHeader("Content-Type", "audio/pcm").build();
        }
      });
      server.start();
      String base = server.url("/v1").toString();
      try (ConversationPipeline pipeline = ConversationPipeline.builder()
          .llm(OpenAiChat.builder().baseUrl(base).retryPolicy(RetryPolicy.NONE).build())
          .tts(OpenAiSpeech.builder().baseUrl(base).retryPolicy(RetryPolicy.NONE).build())
          .ttsCache(TtsCache.inMemory())
          .build()) {
        for (int round = 1; round <= 2; round++) {
          long before = written.get();
          int requestsBefore = speechRequests.get();
          Turn turn = pipeline.start(TurnRequest.of("s" + round, "Hours?"), new TurnListener() {});
          TurnResult result = turn.completion().get(60, TimeUnit.SECONDS);
          assertEquals(TurnOutcome.COMPLETED, result.outcome());
          assertEquals(ANSWER, result.text());
          assertTrue(!result.speechFailures().isEmpty());
          for (SpeechFailure f : result.speechFailures()) {
            LimitExceededException e = assertInstanceOf(LimitExceededException.class, f.error());
            assertEquals("speechAudioLimit", e.setting());
          }
          assertTrue(speechRequests.get() > requestsBefore, "round " + round + " synthesised again:"
              + " nothing over the limit was cached");
          long sent = written.get() - before;
          // Each synthesis stops soon after its ~1 MB limit; the server could not send 400 MB.
          assertTrue(sent < 64L * 1024 * 1024, "round " + round + ": server sent " + sent + " bytes");
          System.out.printf("hostile speech, round %d: %d syntheses, server sent %.1f MiB of %d x 400"
                  + " MiB, delivered %.2f MiB, %d speech failures; heap max %.0f MiB, used %.1f MiB%n",
              round, speechRequests.get() - requestsBefore, sent / 1048576.0,
              speechRequests.get() - requestsBefore, result.metrics().audioBytes() / 1048576.0,
              result.speechFailures().size(), Runtime.getRuntime().maxMemory() / 1048576.0,
              (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0);
        }
      }
    }
  }
}
