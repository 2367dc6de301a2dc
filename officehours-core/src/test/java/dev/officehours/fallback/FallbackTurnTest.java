package dev.officehours.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.Turn;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.metrics.MicrometerObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fallback chains inside a pipeline: the turn's result names who served, and speaks one voice. */
class FallbackTurnTest {
  private final Stubs.Llm llmA = new Stubs.Llm("llm-a");
  private final Stubs.Llm llmB = new Stubs.Llm("llm-b");
  private final Stubs.Tts ttsA = new Stubs.Tts("tts-a", "nova");
  private final Stubs.Tts ttsB = new Stubs.Tts("tts-b", "rachel");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MicrometerObserver metrics = new MicrometerObserver(registry);
  private final FallbackLlm llm = FallbackLlm.builder(List.of(llmA, llmB)).observer(metrics).build();
  private final FallbackTts tts = FallbackTts.builder(List.of(ttsA, ttsB)).observer(metrics).build();
  private ConversationPipeline pipeline;

  @AfterEach
  void close() {
    if (pipeline != null) {
      pipeline.close();
    }
    llm.close();
    tts.close();
  }

  private ConversationPipeline.Builder pipeline() {
    // one chunk at a time, so which provider each chunk goes to follows from the test's steps
    return ConversationPipeline.builder().llm(llm).tts(tts).observer(metrics).ttsConcurrency(1);
  }

  /** Hears the audio as the voices that spoke it. */
  private static final class Voices implements TurnListener {
    final List<String> voices = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onAudio(AudioFrame frame) {
      voices.add(new String(frame.data(), StandardCharsets.UTF_8));
    }
  }

  private static TurnResult await(Turn turn) throws Exception {
    return turn.completion().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theResultNamesTheProvidersThatServedAfterFailovers() throws Exception {
    pipeline = pipeline().build();
    Voices heard = new Voices();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), heard);

    llmA.next().fail(Stubs.unavailable());
    llmB.next().tokens("Nine to five.").complete();
    ttsA.next().fail(Stubs.status(Stage.TTS, 503));
    ttsB.next().speak().complete();

    TurnResult result = await(turn);
    assertEquals("Nine to five.", result.text());
    assertEquals("llm-b", result.llmProvider());
    assertEquals(List.of("tts-b"), result.ttsProviders());
    assertEquals(List.of("rachel"), heard.voices);
    assertEquals(1.0, registry.get("officehours.provider.failovers")
        .tags("stage", "llm", "from", "llm-a", "to", "llm-b").counter().count());
    assertEquals(1.0, registry.get("officehours.provider.failovers")
        .tags("stage", "tts", "from", "tts-a", "to", "tts-b").counter().count());
  }

  @Test
  void everyChunkOfATurnSpeaksInTheVoiceThatFirstSpoke() throws Exception {
    pipeline = pipeline().build();
    Voices heard = new Voices();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are you open?"), heard);

    llmA.next().tokens("We open at nine in the morning. ", "We close at five in the evening.")
        .complete();
    ttsA.next().fail(Stubs.status(Stage.TTS, 503));
    ttsB.next().speak().complete();
    ttsB.next().speak().complete(); // the second chunk goes straight to the turn's voice

    TurnResult result = await(turn);
    assertEquals(List.of("rachel", "rachel"), heard.voices);
    assertEquals(1, ttsA.calls.size());
    assertEquals(List.of("tts-b"), result.ttsProviders());
    assertEquals("llm-a", result.llmProvider());
  }

  @Test
  void aCachedChainKeepsEachProvidersAudioUnderItsOwnKey() throws Exception {
    pipeline = pipeline().ttsCache(TtsCache.inMemory()).build();
    Turn first = pipeline.start(TurnRequest.of("s1", "Hours?"), new Voices());
    llmA.next().tokens("Nine to five.").complete();
    ttsA.next().fail(Stubs.status(Stage.TTS, 503));
    ttsB.next().speak().complete();
    assertEquals(List.of("tts-b"), await(first).ttsProviders());

    Voices heard = new Voices();
    Turn second = pipeline.start(TurnRequest.of("s2", "Hours?"), heard);
    llmA.next().tokens("Nine to five.").complete();
    ttsA.next().speak().complete(); // the secondary's cached audio is not the primary's voice

    TurnResult result = await(second);
    assertEquals(List.of("nova"), heard.voices);
    assertEquals(List.of("tts-a"), result.ttsProviders());

    Voices again = new Voices();
    Turn third = pipeline.start(TurnRequest.of("s3", "Hours?"), again);
    llmA.next().tokens("Nine to five.").complete();
    TurnResult cached = await(third);
    assertEquals(List.of("nova"), again.voices, "the primary's audio is now cached, in its voice");
    assertEquals(1, cached.metrics().ttsCacheHits());
    assertEquals(List.of("tts-a"), cached.ttsProviders());
    assertTrue(ttsA.arrivals.isEmpty());
  }
}
