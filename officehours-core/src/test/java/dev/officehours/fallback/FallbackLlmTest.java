package dev.officehours.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.fallback.Stubs.LlmEvents;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmProvider;
import dev.officehours.metrics.MicrometerObserver;
import dev.officehours.metrics.PipelineObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FallbackLlmTest {
  private final StepClock clock = new StepClock();
  private final Stubs.Llm primary = new Stubs.Llm("primary");
  private final Stubs.Llm secondary = new Stubs.Llm("secondary");
  private final List<String> failovers = Collections.synchronizedList(new ArrayList<>());
  private final List<String> health = Collections.synchronizedList(new ArrayList<>());
  private final PipelineObserver observer = new PipelineObserver() {
    @Override
    public void providerFailover(Stage stage, String from, String to, OfficeHoursException reason) {
      failovers.add(stage + " " + from + " -> " + to);
    }

    @Override
    public void providerHealthChanged(Stage stage, String provider, boolean healthy) {
      health.add(provider + (healthy ? " healthy" : " unhealthy"));
    }
  };

  private FallbackLlm.Builder chain() {
    return FallbackLlm.builder(List.of(primary, secondary)).clock(clock).observer(observer);
  }

  @Test
  void aPrimaryFailingBeforeItsFirstTokenIsReplacedByTheSecondaryAndTheCompletionNamesIt() {
    FallbackLlm llm = chain().build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);

    primary.last().fail(Stubs.unavailable());
    secondary.last().tokens("Nine", " to five.").complete();

    assertEquals(List.of("Nine", " to five."), events.tokens);
    assertEquals(1, events.completions.size());
    assertEquals("secondary", events.completions.get(0).provider());
    assertTrue(events.errors.isEmpty());
    assertSame(Stubs.QUESTION, secondary.last().request, "the same request goes to the next");
    assertEquals(List.of("LLM primary -> secondary"), failovers);
  }

  @Test
  void aCompletionFromTheFirstProviderNamesItToo() {
    FallbackLlm llm = chain().build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);
    primary.last().tokens("Hi.").complete();

    assertEquals("primary", events.completions.get(0).provider());
    assertTrue(secondary.calls.isEmpty());
  }

  @Test
  void aFailureAfterTheFirstTokenIsTheCallsFailureAndNoOtherProviderIsAsked() {
    FallbackLlm llm = chain().build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);

    ProviderException cut = Stubs.unavailable();
    primary.last().tokens("Nine to").fail(cut);

    assertEquals(List.of("Nine to"), events.tokens);
    assertEquals(List.of(cut), events.errors);
    assertTrue(secondary.calls.isEmpty(), "two answers are never mixed");
    assertTrue(failovers.isEmpty());
  }

  @Test
  void theCallersOwnMistakeDoesNotFailOver() {
    FallbackLlm llm = chain().build();
    for (OfficeHoursException mistake : List.of(
        Stubs.status(Stage.LLM, 400), Stubs.status(Stage.LLM, 422),
        new InvalidRequestException("text", "blank"))) {
      LlmEvents events = new LlmEvents();
      llm.stream(Stubs.QUESTION, events);
      primary.last().fail(mistake);
      assertEquals(List.of(mistake), events.errors);
    }
    assertTrue(secondary.calls.isEmpty());
    assertTrue(llm.isHealthy("primary"), "the caller's mistakes do not count against a provider");
  }

  @Test
  void timeoutConflictAndRateLimitStatusesFailOver() {
    FallbackLlm llm = chain().unhealthyAfter(100).build();
    for (int status : new int[] {408, 409, 429, 500, 503}) {
      LlmEvents events = new LlmEvents();
      llm.stream(Stubs.QUESTION, events);
      primary.last().fail(Stubs.status(Stage.LLM, status));
      secondary.last().tokens("ok").complete();
      assertEquals("secondary", events.completions.get(0).provider(), "status " + status);
    }
  }

  @Test
  void whenEveryProviderFailsTheLastErrorCountsEveryRequestMade() {
    FallbackLlm llm = chain().build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);
    primary.last().fail(Stubs.unavailable());
    secondary.last().fail(Stubs.status(Stage.LLM, 502));

    assertEquals(1, events.errors.size());
    ProviderException last = assertInstanceOf(ProviderException.class, events.errors.get(0));
    assertEquals(502, last.status().getAsInt());
    assertEquals(2, last.attempts(), "the pipeline must not retry a whole chain");
  }

  @Test
  void aProviderSilentPastTheAttemptTimeoutIsCancelledAndTheNextOneAsked() {
    FallbackLlm llm = chain().attemptTimeout(Duration.ofSeconds(3)).build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);

    clock.advance(Duration.ofMillis(2999));
    assertTrue(secondary.calls.isEmpty());
    clock.advance(Duration.ofMillis(1));

    assertTrue(primary.last().cancelled);
    secondary.last().tokens("Late but here.").complete();
    assertEquals(List.of("Late but here."), events.tokens);
    assertEquals(1, failovers.size());
    primary.last().tokens("too late"); // the abandoned stream's stragglers are dropped
    assertEquals(List.of("Late but here."), events.tokens);
  }

  @Test
  void aProviderThatFailsNTimesInARowIsSkippedUntilAProbeSucceeds() {
    AtomicInteger probes = new AtomicInteger();
    List<CompletableFuture<Void>> probeResults = Collections.synchronizedList(new ArrayList<>());
    FallbackLlm llm = chain().unhealthyAfter(2).probeInterval(Duration.ofSeconds(30))
        .probe(p -> {
          probes.incrementAndGet();
          CompletableFuture<Void> f = new CompletableFuture<>();
          probeResults.add(f);
          return f;
        })
        .build();
    for (int i = 0; i < 2; i++) {
      LlmEvents events = new LlmEvents();
      llm.stream(Stubs.QUESTION, events);
      primary.last().fail(Stubs.unavailable());
      secondary.last().tokens("ok").complete();
    }
    assertFalse(llm.isHealthy("primary"));
    assertEquals(List.of("primary unhealthy"), health);

    int primaryCalls = primary.calls.size();
    LlmEvents skipped = new LlmEvents();
    llm.stream(Stubs.QUESTION, skipped);
    secondary.last().tokens("straight to the secondary").complete();
    assertEquals(primaryCalls, primary.calls.size(), "an unhealthy provider is skipped");
    assertEquals("secondary", skipped.completions.get(0).provider());

    clock.advance(Duration.ofSeconds(30));
    assertEquals(1, probes.get());
    probeResults.get(0).completeExceptionally(Stubs.unavailable());
    assertFalse(llm.isHealthy("primary"), "a failed probe changes nothing");

    clock.advance(Duration.ofSeconds(30));
    assertEquals(2, probes.get(), "probes go on every interval");
    probeResults.get(1).complete(null);
    assertTrue(llm.isHealthy("primary"));
    assertEquals(List.of("primary unhealthy", "primary healthy"), health);

    LlmEvents back = new LlmEvents();
    llm.stream(Stubs.QUESTION, back);
    primary.last().tokens("back").complete();
    assertEquals("primary", back.completions.get(0).provider());
    clock.advance(Duration.ofMinutes(5));
    assertEquals(2, probes.get(), "a healthy provider is not probed");
  }

  @Test
  void theDefaultProbeIsATinyRealRequestClosedAtTheFirstToken() {
    FallbackLlm llm = chain().unhealthyAfter(1).probeInterval(Duration.ofSeconds(5)).build();
    llm.stream(Stubs.QUESTION, new LlmEvents());
    primary.last().fail(Stubs.unavailable());
    secondary.last().tokens("ok").complete();
    assertFalse(llm.isHealthy("primary"));

    clock.advance(Duration.ofSeconds(5));
    Stubs.Stream probe = primary.last();
    assertEquals(1, probe.request.maxTokens());
    probe.tokens("OK");
    assertTrue(probe.cancelled, "the probe stops at its first token");
    assertTrue(llm.isHealthy("primary"));
  }

  @Test
  void aProbeWithoutAnswerWithinTheAttemptTimeoutCountsAsFailed() {
    FallbackLlm llm = chain().unhealthyAfter(1).attemptTimeout(Duration.ofSeconds(2))
        .probeInterval(Duration.ofSeconds(5)).build();
    llm.stream(Stubs.QUESTION, new LlmEvents());
    primary.last().fail(Stubs.unavailable());
    secondary.last().tokens("ok").complete();

    clock.advance(Duration.ofSeconds(5));
    Stubs.Stream hanging = primary.last();
    clock.advance(Duration.ofSeconds(2));
    assertTrue(hanging.cancelled);
    assertFalse(llm.isHealthy("primary"));
    clock.advance(Duration.ofSeconds(5));
    assertEquals(hanging.request.maxTokens(), primary.last().request.maxTokens());
    assertFalse(hanging == primary.last(), "the next probe is a new request");
  }

  @Test
  void whenEveryProviderIsUnhealthyCallsStillTryThemInOrder() {
    FallbackLlm llm = chain().unhealthyAfter(1).build();
    LlmEvents first = new LlmEvents();
    llm.stream(Stubs.QUESTION, first);
    primary.last().fail(Stubs.unavailable());
    secondary.last().fail(Stubs.unavailable());
    assertFalse(llm.isHealthy("primary"));
    assertFalse(llm.isHealthy("secondary"));

    LlmEvents second = new LlmEvents();
    llm.stream(Stubs.QUESTION, second);
    primary.last().tokens("up again").complete();
    assertEquals("primary", second.completions.get(0).provider());
    assertTrue(llm.isHealthy("primary"), "a call that succeeds heals its provider");
  }

  @Test
  void cancellingDuringAFailoverCancelsThePendingAttemptAndNothingFollows() {
    FallbackLlm llm = chain().build();
    LlmEvents events = new LlmEvents();
    LlmCall call = llm.stream(Stubs.QUESTION, events);
    primary.last().fail(Stubs.unavailable());
    Stubs.Stream pending = secondary.last();

    call.cancel();

    assertTrue(pending.cancelled, "the attempt in flight is cancelled");
    pending.tokens("stray").complete();
    assertEquals(0, events.tokens.size() + events.terminals(), "no callback after cancel");
    assertEquals(0, clock.pending(), "no attempt timer is left armed");
  }

  @Test
  void cancellingBeforeTheTimeoutStartsNoFurtherAttempt() {
    FallbackLlm llm = chain().attemptTimeout(Duration.ofSeconds(1)).build();
    LlmEvents events = new LlmEvents();
    LlmCall call = llm.stream(Stubs.QUESTION, events);
    call.cancel();
    clock.advance(Duration.ofSeconds(5));
    primary.last().fail(Stubs.unavailable());
    assertTrue(secondary.calls.isEmpty());
    assertEquals(0, events.terminals());
  }

  @Test
  void commitReachesTheProviderThatServed() {
    FallbackLlm llm = chain().build();
    LlmCall call = llm.stream(Stubs.QUESTION, new LlmEvents());
    primary.last().fail(Stubs.unavailable());
    secondary.last().tokens("ok").complete();
    call.commit();
    assertTrue(secondary.last().committed);
    assertFalse(primary.last().committed);
  }

  @Test
  void aProviderThatThrowsFromStreamIsTreatedAsFailedBeforeItsFirstToken() {
    LlmProvider throwing = new Stubs.Llm("throwing") {
      @Override
      public LlmCall stream(dev.officehours.llm.ChatRequest r, dev.officehours.llm.LlmListener l) {
        throw new IllegalStateException("pool closed");
      }
    };
    FallbackLlm llm = FallbackLlm.builder(List.of(throwing, secondary)).clock(clock).build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);
    secondary.last().tokens("ok").complete();
    assertEquals("secondary", events.completions.get(0).provider());
  }

  @Test
  void failoversAreMeteredByStageAndProviders() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FallbackLlm llm = FallbackLlm.builder(List.of(primary, secondary)).clock(clock)
        .observer(new MicrometerObserver(registry)).unhealthyAfter(1).build();
    llm.stream(Stubs.QUESTION, new LlmEvents());
    primary.last().fail(Stubs.unavailable());
    secondary.last().tokens("ok").complete();

    assertEquals(1.0, registry.get("officehours.provider.failovers")
        .tags("stage", "llm", "from", "primary", "to", "secondary").counter().count());
    assertEquals(1.0, registry.get("officehours.provider.served")
        .tags("stage", "llm", "provider", "secondary").counter().count());
    assertEquals(0.0, registry.get("officehours.provider.healthy")
        .tags("stage", "llm", "provider", "primary").gauge().value());
  }

  @Test
  void theBuilderNamesEveryBadValue() {
    assertThrows(IllegalArgumentException.class, () -> FallbackLlm.builder(List.of(primary)));
    IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
        () -> FallbackLlm.builder(List.of(primary, new Stubs.Llm("primary"))));
    assertTrue(same.getMessage().contains("'primary'"), same.getMessage());
    FallbackLlm.Builder b = chain();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.attemptTimeout(Duration.ZERO))
        .getMessage().contains("attemptTimeout"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.unhealthyAfter(0))
        .getMessage().contains("unhealthyAfter"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> b.probeInterval(Duration.ofMillis(10))).getMessage().contains("probeInterval"));
    assertThrows(IllegalArgumentException.class, () -> b.id(" "));
    assertThrows(NullPointerException.class, () -> b.clock(null));
    assertEquals("fallback(primary,secondary)", chain().build().id());
    assertEquals("primary-model", chain().build().defaultModel());
    assertThrows(IllegalArgumentException.class, () -> chain().build().isHealthy("nobody"));
  }

  @Test
  void anAttemptTimeoutIsReportedAsTheLimitItPassed() {
    FallbackLlm llm = chain().attemptTimeout(Duration.ofSeconds(1)).build();
    LlmEvents events = new LlmEvents();
    llm.stream(Stubs.QUESTION, events);
    clock.advance(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    LimitExceededException e = assertInstanceOf(LimitExceededException.class, events.errors.get(0));
    assertEquals("attemptTimeout", e.setting());
    assertTrue(e.getMessage().contains("secondary"), e.getMessage());
  }

  @Test
  void reasoningIsTheFirstSignOfLifeSoAThinkingModelIsNotFailedOver() {
    FallbackLlm llm = chain().attemptTimeout(Duration.ofSeconds(3)).build();
    List<String> reasoning = Collections.synchronizedList(new ArrayList<>());
    LlmEvents events = new LlmEvents() {
      @Override
      public void onReasoning(String delta) {
        reasoning.add(delta);
      }
    };
    llm.stream(Stubs.QUESTION, events);
    primary.last().listener.onReasoning("Let me think");
    clock.advance(Duration.ofSeconds(10)); // thinking long past the attempt timeout
    primary.last().tokens("Nine to five.").complete();

    assertEquals(List.of("Let me think"), reasoning);
    assertEquals(List.of("Nine to five."), events.tokens);
    assertTrue(secondary.calls.isEmpty(), "the thinking primary was not abandoned");
    assertTrue(failovers.isEmpty());
  }
}
