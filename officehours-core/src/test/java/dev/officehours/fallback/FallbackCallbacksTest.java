package dev.officehours.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.llm.LlmCall;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.WordTiming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a chain passes on from the provider that serves, beyond the contract's scripted cases: a
 * callback already under way when the caller cancels, and word timings.
 */
class FallbackCallbacksTest {

  @Test
  void aCompletionUnderWayWhenTheCallIsCancelledDoesNotReachTheListener() {
    Stubs.Llm primary = new Stubs.Llm("primary");
    try (FallbackLlm chain = FallbackLlm.builder(List.of(primary, new Stubs.Llm("secondary"))).build()) {
      Stubs.LlmEvents events = new Stubs.LlmEvents();
      LlmCall call = chain.stream(Stubs.QUESTION, events);
      Stubs.Stream served = primary.last().tokens("We open");
      call.cancel();
      // the provider had passed its own check for cancel before the chain's cancel reached it
      served.tokens(" at nine").complete();
      assertEquals(List.of("We open"), events.tokens);
      assertEquals(0, events.terminals(), "a terminal callback followed cancel");
    }
  }

  @Test
  void wordTimingsOfTheServingProviderReachTheSink() {
    Stubs.Tts primary = new Stubs.Tts("primary", "alloy");
    try (FallbackTts chain = FallbackTts.builder(List.of(primary, new Stubs.Tts("secondary", "nova")))
        .build()) {
      List<List<WordTiming>> heard = Collections.synchronizedList(new ArrayList<>());
      chain.synthesize(chain.request("We open at nine."), new AudioSink() {
        @Override
        public void onAudio(byte[] audio) {
          heard.add(null); // timings dropped on the way
        }

        @Override
        public void onAudio(byte[] audio, List<WordTiming> words) {
          heard.add(words);
        }

        @Override
        public void onComplete() {}

        @Override
        public void onError(OfficeHoursException error) {}
      });
      List<WordTiming> words = List.of(
          new WordTiming("We", Duration.ZERO, Duration.ofMillis(120), false),
          new WordTiming("open", Duration.ofMillis(150), Duration.ofMillis(400), false));
      AudioSink provider = primary.last().sink;
      provider.onAudio(new byte[480], words);
      provider.onAudio(new byte[480], List.of());
      assertEquals(List.of(words, List.of()), heard);
    }
  }
}
