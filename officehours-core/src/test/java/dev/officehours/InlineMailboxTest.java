package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.text.ChunkerSettings;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A provider's token runs the turn's mailbox task on the provider's own thread when the mailbox is
 * idle. That task may start speech calls; a TTS provider that answers inside {@code synthesize()}
 * then delivers audio on that same thread, while it holds the mailbox. Such a delivery must not
 * wait for buffer room, which only later mailbox tasks could free.
 */
class InlineMailboxTest {

  /** The first call of each turn never answers; the others answer inside synthesize(). */
  static final class AnswersInsideSynthesize implements TtsProvider {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public String id() {
      return "inside-synthesize";
    }

    @Override
    public SpeechRequest request(String text) {
      return new SpeechRequest(text, "m", "v", 1.0, "", AudioFormat.PCM_24K);
    }

    @Override
    public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
      int n = calls.incrementAndGet() % 3;
      if (n == 2) {
        sink.onAudio(new byte[60_000]); // most of the turn's 64 KiB, ahead of a silent head chunk
        sink.onComplete();
      } else if (n == 0) {
        sink.onAudio(new byte[10_000]); // no room left for this one until the head moves on
        sink.onComplete();
      }
      return () -> { };
    }
  }

  @Test
  void audioDeliveredInsideSynthesizeOnAProviderThreadNeverWaitsForRoomTheTurnCannotFree() throws Exception {
    FakeLlm llm = new FakeLlm();
    AnswersInsideSynthesize tts = new AnswersInsideSynthesize();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts)
        .chunker(new ChunkerSettings(8, 50, 20, 250, Duration.ofMillis(400)))
        .turnBufferBytes(64 * 1024).turnDeadline(Duration.ofMillis(800)).build()) {
      for (int t = 0; t < 6; t++) {
        tts.calls.set(0);
        Turn turn = pipeline.start(TurnRequest.of("s" + t, "Hours?"), new TurnListener() { });
        FakeLlm.Stream stream = llm.nextStream();
        Thread reader = new Thread(() -> {
          stream.listener.onToken("Our office hours are from nine to five every single weekday. "
              + "We close at noon on Fridays and all day on public holidays too. "
              + "Call us on the main number if you need anything at all outside those hours.");
          stream.complete();
        }, "provider-reader");
        reader.start();
        // Ends by its deadline at the latest (the silent first chunk), however its speech went.
        boolean ended = turn.completion().handle((r, e) -> true).get(10, TimeUnit.SECONDS);
        assertTrue(ended);
        reader.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(!reader.isAlive(), "the provider's thread was let go");
      }
    }
  }

  @Test
  void theMailboxKnowsWhichThreadRunsIt() throws Exception {
    dev.officehours.internal.SerialExecutor mailbox = new dev.officehours.internal.SerialExecutor(
        Runnable::run, (th, e) -> { });
    CompletableFuture<Boolean> inside = new CompletableFuture<>();
    mailbox.executeHere(() -> inside.complete(mailbox.runsOnCurrentThread()));
    assertTrue(inside.get(1, TimeUnit.SECONDS));
    assertTrue(!mailbox.runsOnCurrentThread(), "not after the task");
  }
}
