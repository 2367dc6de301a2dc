package dev.officehours.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.stt.Transcript;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FallbackSttTest {
  private static final byte[] AUDIO = FallbackStt.silence(16_000, 100);
  private final StepClock clock = new StepClock();
  private final Stubs.Stt primary = new Stubs.Stt("primary");
  private final Stubs.Stt secondary = new Stubs.Stt("secondary");

  private FallbackStt.Builder chain() {
    return FallbackStt.builder(List.of(primary, secondary)).clock(clock);
  }

  @Test
  void aFailingPrimaryIsReplacedAndTheTranscriptNamesTheProviderThatServed() throws Exception {
    FallbackStt stt = chain().build();
    CompletableFuture<Transcript> result = stt.transcribe(AUDIO, "audio/wav");
    primary.last().completeExceptionally(Stubs.status(Stage.STT, 503));
    secondary.last().complete(new Transcript("when are you open", "en"));

    Transcript t = result.get();
    assertEquals("when are you open", t.text());
    assertEquals("secondary", t.provider());
  }

  @Test
  void theCallersMistakeFailsTheCallWithoutAnotherProvider() {
    FallbackStt stt = chain().build();
    CompletableFuture<Transcript> result = stt.transcribe(AUDIO, "audio/wav");
    ProviderException unsupported = Stubs.status(Stage.STT, 415);
    primary.last().completeExceptionally(unsupported);
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        result::get);
    assertSame(unsupported, e.getCause());
    assertTrue(secondary.calls.isEmpty());
  }

  @Test
  void aSlowProviderIsCancelledAtTheAttemptTimeout() throws Exception {
    FallbackStt stt = chain().attemptTimeout(Duration.ofSeconds(4)).build();
    CompletableFuture<Transcript> result = stt.transcribe(AUDIO, "audio/wav");
    clock.advance(Duration.ofSeconds(4));
    assertTrue(primary.last().isCancelled());
    secondary.last().complete(new Transcript("hi", ""));
    assertEquals("secondary", result.get().provider());
  }

  @Test
  void cancellingTheResultCancelsTheAttemptInFlightAndStartsNoOther() {
    FallbackStt stt = chain().build();
    CompletableFuture<Transcript> result = stt.transcribe(AUDIO, "audio/wav");
    primary.last().completeExceptionally(Stubs.status(Stage.STT, 503));
    CompletableFuture<Transcript> pending = secondary.last();

    result.cancel(true);

    assertTrue(pending.isCancelled());
    clock.advance(Duration.ofMinutes(1));
    assertEquals(1, primary.calls.size());
    assertEquals(1, secondary.calls.size());
  }

  @Test
  void anUnhealthyRecogniserIsProbedWithSilenceAndComesBack() {
    FallbackStt stt = chain().unhealthyAfter(1).probeInterval(Duration.ofSeconds(20)).build();
    stt.transcribe(AUDIO, "audio/wav");
    primary.last().completeExceptionally(Stubs.status(Stage.STT, 500));
    secondary.last().complete(new Transcript("x", ""));
    assertFalse(stt.isHealthy("primary"));

    clock.advance(Duration.ofSeconds(20));
    primary.last().complete(new Transcript("", ""));
    assertTrue(stt.isHealthy("primary"));
  }

  @Test
  void theLanguageOfTheSpeechGoesToEveryProviderTried() throws Exception {
    FallbackStt stt = chain().build();
    CompletableFuture<Transcript> result = stt.transcribe(AUDIO, "audio/wav", "de");
    primary.last().completeExceptionally(Stubs.status(Stage.STT, 503));
    secondary.last().complete(new Transcript("wann haben Sie offen", "de"));
    assertEquals("wann haben Sie offen", result.get().text());
    assertEquals(List.of("de"), primary.languages);
    assertEquals(List.of("de"), secondary.languages);
  }
}
