package dev.officehours.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.fallback.Stubs.Heard;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FallbackTtsTest {
  private final StepClock clock = new StepClock();
  private final Stubs.Tts primary = new Stubs.Tts("primary", "nova");
  private final Stubs.Tts secondary = new Stubs.Tts("secondary", "rachel");

  private FallbackTts.Builder chain() {
    return FallbackTts.builder(List.of(primary, secondary)).clock(clock);
  }

  @Test
  void aPrimaryFailingBeforeItsFirstByteIsReplacedAndTheSinkHearsWhoSpoke() {
    FallbackTts tts = chain().build();
    Heard heard = new Heard();
    tts.synthesize(tts.request("Hello."), heard);

    primary.last().fail(Stubs.status(Stage.TTS, 503));
    secondary.last().speak().complete();

    assertEquals("rachel", heard.audio());
    assertEquals(List.of("secondary"), heard.providers);
    assertTrue(heard.completed);
    assertEquals("rachel", secondary.last().request.voice(),
        "another provider speaks with its own settings");
    assertEquals("Hello.", secondary.last().request.text());
  }

  @Test
  void aFailureAfterTheFirstByteIsTheSynthesissOwn() {
    FallbackTts tts = chain().build();
    Heard heard = new Heard();
    tts.synthesize(tts.request("Hello."), heard);
    primary.last().speak().fail(Stubs.status(Stage.TTS, 503));

    assertEquals("nova", heard.audio());
    assertEquals(1, heard.errors.size());
    assertTrue(secondary.calls.isEmpty());
  }

  @Test
  void aTurnKeepsTheVoiceThatFirstSpokeInIt() {
    FallbackTts tts = chain().build();
    TtsProvider turn = tts.forTurn();
    Heard first = new Heard();
    turn.synthesize(turn.request("One."), first);
    primary.last().fail(Stubs.status(Stage.TTS, 503));
    secondary.last().speak().complete();

    Heard second = new Heard();
    turn.synthesize(turn.request("Two."), second);
    assertEquals(1, primary.calls.size(), "the turn's later chunks go straight to its voice");
    secondary.last().speak().complete();
    assertEquals("rachel", second.audio());

    Heard nextTurn = new Heard();
    TtsProvider other = tts.forTurn();
    other.synthesize(other.request("Three."), nextTurn);
    primary.last().speak().complete();
    assertEquals("nova", nextTurn.audio(), "a new turn starts from the first healthy provider");
  }

  @Test
  void aChunkThePinnedVoiceCannotSpeakFailsRatherThanSwitchVoice() {
    FallbackTts tts = chain().build();
    TtsProvider turn = tts.forTurn();
    Heard first = new Heard();
    turn.synthesize(turn.request("One."), first);
    primary.last().speak().complete();

    Heard second = new Heard();
    turn.synthesize(turn.request("Two."), second);
    primary.last().fail(Stubs.status(Stage.TTS, 503));

    assertEquals(1, second.errors.size());
    assertTrue(secondary.calls.isEmpty(), "no chunk of the turn in another voice");
  }

  @Test
  void aChunkStartedOnAnotherProviderIsRedoneInTheTurnsVoice() {
    FallbackTts tts = chain().build();
    TtsProvider turn = tts.forTurn();
    Heard one = new Heard();
    Heard two = new Heard();
    turn.synthesize(turn.request("One."), one);
    turn.synthesize(turn.request("Two."), two);
    Stubs.Synthesis oneOnPrimary = primary.calls.get(0);
    Stubs.Synthesis twoOnPrimary = primary.calls.get(1);

    oneOnPrimary.fail(Stubs.status(Stage.TTS, 503)); // chunk one moves to the secondary
    twoOnPrimary.speak().complete(); // chunk two's audio reaches the turn first: the turn is the primary's
    Stubs.Synthesis oneOnSecondary = secondary.last();
    oneOnSecondary.speak();

    assertTrue(oneOnSecondary.cancelled, "the other voice's audio never reaches the turn");
    assertEquals("", one.audio());
    Stubs.Synthesis redo = primary.last();
    assertEquals("One.", redo.request.text());
    redo.speak().complete();
    assertEquals("nova", one.audio());
    assertEquals(List.of("primary"), one.providers);
    assertEquals("nova", two.audio());
  }

  @Test
  void mixingVoicesLetsEachChunkFailOverOnItsOwn() {
    FallbackTts tts = chain().mixVoicesWithinTurn(true).build();
    TtsProvider turn = tts.forTurn();
    assertSame(tts, turn);
    Heard one = new Heard();
    turn.synthesize(turn.request("One."), one);
    primary.last().speak().complete();
    Heard two = new Heard();
    turn.synthesize(turn.request("Two."), two);
    primary.last().fail(Stubs.status(Stage.TTS, 503));
    secondary.last().speak().complete();
    assertEquals("rachel", two.audio());
  }

  @Test
  void aCacheHitIsToldAfterTheProviderIsNamed() {
    FallbackTts tts = chain().build();
    Heard heard = new Heard();
    tts.synthesize(tts.request("Hello."), heard);
    Stubs.Synthesis s = primary.last();
    s.sink.onCacheHit();
    assertFalse(heard.cacheHit, "not before the attempt has won");
    s.speak().complete();
    assertTrue(heard.cacheHit);
    assertEquals(List.of("primary"), heard.providers);
  }

  @Test
  void cancellingDuringAFailoverCancelsThePendingAttemptAndNothingFollows() {
    FallbackTts tts = chain().build();
    Heard heard = new Heard();
    TtsCall call = tts.synthesize(tts.request("Hello."), heard);
    primary.last().fail(Stubs.status(Stage.TTS, 503));
    Stubs.Synthesis pending = secondary.last();

    call.cancel();

    assertTrue(pending.cancelled);
    pending.speak().complete();
    assertEquals("", heard.audio());
    assertFalse(heard.completed);
    assertTrue(heard.errors.isEmpty());
    assertEquals(0, clock.pending());
  }

  @Test
  void aSilentProviderIsLeftAfterTheAttemptTimeout() {
    FallbackTts tts = chain().attemptTimeout(Duration.ofMillis(1500)).build();
    Heard heard = new Heard();
    tts.synthesize(tts.request("Hello."), heard);
    clock.advance(Duration.ofMillis(1500));
    assertTrue(primary.last().cancelled);
    secondary.last().speak().complete();
    assertEquals("rachel", heard.audio());
  }

  @Test
  void anUnhealthyProviderRecoversAfterASuccessfulProbe() {
    FallbackTts tts = chain().unhealthyAfter(1).probeInterval(Duration.ofSeconds(10)).build();
    tts.synthesize(tts.request("Hello."), new Heard());
    primary.last().fail(Stubs.status(Stage.TTS, 500));
    secondary.last().speak().complete();
    assertFalse(tts.isHealthy("primary"));

    clock.advance(Duration.ofSeconds(10));
    Stubs.Synthesis probe = primary.last();
    assertEquals("OK.", probe.request.text());
    probe.speak();
    assertTrue(probe.cancelled, "the probe stops at its first byte");
    assertTrue(tts.isHealthy("primary"));
  }

  @Test
  void providersMustShareOneAudioFormat() {
    Stubs.Tts mp3 = new Stubs.Tts("mp3", "nova", AudioFormat.MP3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FallbackTts.builder(List.of(primary, mp3)).build());
    assertTrue(e.getMessage().contains("same audio format"), e.getMessage());
  }

  @Test
  void theChainAcceptsTheShortestTextEveryProviderAccepts() {
    Stubs.Tts shortInput = new Stubs.Tts("short", "nova") {
      @Override
      public int maxInputChars() {
        return 500;
      }
    };
    assertEquals(500, FallbackTts.builder(List.of(primary, shortInput)).build().maxInputChars());
  }

  @Test
  void aLaterProviderKeepsItsOwnVoiceButTakesTheTurnsSpeedFormatAndExtras() {
    FallbackTts tts = chain().build();
    dev.officehours.tts.SpeechRequest turn = tts.request("Hello.").withSpeed(1.25).withInstructions("warmly")
        .withFormat(dev.officehours.tts.AudioFormat.MP3)
        .withExtras(java.util.Map.of("seed", 3), java.util.Map.of("X-Tier", "gold"));
    tts.synthesize(turn, new Heard());
    primary.last().fail(Stubs.status(Stage.TTS, 503));

    dev.officehours.tts.SpeechRequest sent = secondary.last().request;
    assertEquals("rachel", sent.voice(), "its own voice");
    assertEquals("secondary-model", sent.model(), "its own model");
    assertEquals(1.25, sent.speed());
    assertEquals("warmly", sent.instructions());
    assertEquals(dev.officehours.tts.AudioFormat.MP3, sent.format(), "the format the turn plays");
    assertEquals(java.util.Map.of("seed", 3), sent.extraBody());
    assertEquals(java.util.Map.of("X-Tier", "gold"), sent.extraHeaders());
  }

  @Test
  void wordTimingsTheServingProviderReportsTravelThroughTheChain() {
    FallbackTts tts = chain().build();
    java.util.List<java.util.List<dev.officehours.tts.WordTiming>> timings =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Heard heard = new Heard() {
      @Override
      public void onAudio(byte[] audio, java.util.List<dev.officehours.tts.WordTiming> words) {
        timings.add(words);
        onAudio(audio);
      }
    };
    tts.synthesize(tts.request("Hello."), heard);
    java.util.List<dev.officehours.tts.WordTiming> words = java.util.List.of(new dev.officehours.tts.WordTiming(
        "Hello.", java.time.Duration.ZERO, java.time.Duration.ofMillis(400), false));
    primary.last().sink.onAudio(new byte[] {1, 2}, words);
    primary.last().complete();
    assertEquals(java.util.List.of(words), timings);
  }
}
