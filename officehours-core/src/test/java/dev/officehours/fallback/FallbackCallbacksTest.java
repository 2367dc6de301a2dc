package dev.officehours.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.officehours.llm.LlmCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a chain passes on from the provider that serves, beyond the contract's scripted cases: a
 * callback already under way when the caller cancels.
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
}
