package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.metrics.TurnOutcome;
import dev.officehours.text.ChunkerSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With the pipeline's own callback executor, the provider's thread that brought a token or an
 * audio piece runs the listener callbacks it produced, when no other thread is running the turn's
 * callbacks: a thread hand-off less per event. Order and one-at-a-time are unchanged, an engine
 * thread never runs a listener, the turn's mailbox is free while the listener runs, and an
 * executor the caller gave runs every callback.
 */
class ProviderThreadDeliveryTest {
  static final String ANSWER = "Our office hours are from nine to five on weekdays. "
      + "On Fridays we close at noon. Call us any time.";

  /** Records each callback's thread and text, and lets the provider go on only after it ran. */
  static final class ThreadRecorder implements TurnListener {
    final List<String> threads = new CopyOnWriteArrayList<>();
    final StringBuilder text = new StringBuilder();
    final Semaphore texts = new Semaphore(0);

    @Override
    public void onText(TextDelta delta) {
      threads.add(Thread.currentThread().getName());
      text.append(delta.text());
      texts.release();
    }

    @Override
    public void onAudio(AudioFrame frame) {
      threads.add(Thread.currentThread().getName());
    }

    @Override
    public void onComplete(TurnResult result) {
      threads.add(Thread.currentThread().getName());
    }
  }

  /** Sends the answer word by word from a thread of its own, each word after the last one arrived. */
  static Thread paced(FakeLlm.Stream stream, ThreadRecorder listener, String name) {
    Thread t = new Thread(() -> {
      for (String word : ANSWER.split("(?<=\\S)(?=\\s)")) {
        stream.listener.onToken(word);
        try {
          if (!listener.texts.tryAcquire(10, TimeUnit.SECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          return;
        }
      }
      stream.complete();
    }, name);
    t.start();
    return t;
  }

  @Test
  void theProvidersThreadRunsTheCallbacksOfWhatItBroughtAndNoEngineThreadRunsAny() throws Exception {
    FakeLlm llm = new FakeLlm();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build()) {
      ThreadRecorder listener = new ThreadRecorder();
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), listener);
      Thread reader = paced(llm.nextStream(), listener, "llm-reader");
      TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);
      reader.join(10_000);
      assertEquals(ANSWER, result.text());
      assertEquals(ANSWER, listener.text.toString(), "every piece once, in order");
      long onReader = listener.threads.stream().filter("llm-reader"::equals).count();
      // Each word waits for the last to arrive, so the turn's callbacks are usually idle when it
      // comes and run right on the reader (without this: none does).
      assertTrue(onReader >= 1, "callbacks on the provider's thread: " + onReader + " of " + listener.threads);
      assertTrue(listener.threads.stream().noneMatch(n -> n.startsWith("officehours-turns-")),
          "an engine thread ran a listener: " + listener.threads);
    }
  }

  @Test
  void anExecutorTheCallerGaveRunsEveryCallback() throws Exception {
    FakeLlm llm = new FakeLlm();
    FakeTts tts = new FakeTts();
    ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "callers-ui-thread"));
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts)
        .callbackExecutor(mine).build()) {
      ThreadRecorder listener = new ThreadRecorder();
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), listener);
      Thread reader = paced(llm.nextStream(), listener, "llm-reader");
      Thread speaker = new Thread(() -> {
        // every synthesis the turn asks for, however the answer was cut, until the turn ends
        for (int i = 0; !turn.completion().isDone(); i++) {
          FakeTts.Synthesis s;
          try {
            s = tts.calls.poll(20, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            return;
          }
          if (s != null) {
            s.audio("chunk " + i + " a").audio("chunk " + i + " b").complete();
          }
        }
      }, "tts-reader");
      speaker.start();
      TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);
      reader.join(10_000);
      speaker.join(10_000);
      assertEquals(TurnOutcome.COMPLETED, result.outcome());
      assertTrue(result.speechFailures().isEmpty(), "every chunk spoken: " + result.speechFailures());
      assertTrue(listener.threads.size() > 10, listener.threads.toString());
      assertTrue(listener.threads.stream().allMatch("callers-ui-thread"::equals),
          "every callback on the caller's executor: " + listener.threads);
    } finally {
      mine.shutdownNow();
    }
  }

  @Test
  void aListenerStuckOnTheProvidersThreadDoesNotHoldTheTurn() throws Exception {
    FakeLlm llm = new FakeLlm();
    FakeTts tts = new FakeTts();
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts)
        .chunker(new ChunkerSettings(8, 50, 20, 250, Duration.ofMillis(400))).build()) {
      List<String> stuckOn = new CopyOnWriteArrayList<>();
      List<String> cancelledOn = new CopyOnWriteArrayList<>();
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() {
        @Override
        public void onAudio(AudioFrame frame) {
          stuckOn.add(Thread.currentThread().getName());
          stuck.countDown();
          try {
            release.await(10, TimeUnit.SECONDS); // a client that stopped reading
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }

        @Override
        public void onCancelled(TurnCancelled cancelled) {
          cancelledOn.add(Thread.currentThread().getName());
        }
      });
      FakeLlm.Stream stream = llm.nextStream();
      stream.words("Our office hours are from nine to five on weekdays.");
      FakeTts.Synthesis first = tts.next();
      Thread reader = new Thread(() -> first.audio("first words").audio("more"), "tts-reader");
      reader.start();
      assertTrue(stuck.await(10, TimeUnit.SECONDS));
      assertEquals(List.of("tts-reader"), stuckOn, "the quiet turn's audio ran on the provider's thread");
      // Only the turn's mailbox turns tokens into a new synthesis: it is free while the listener
      // is stuck.
      stream.words(" On Fridays we close at noon.");
      FakeTts.Synthesis second = tts.next();
      turn.cancel();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!(first.cancelled && second.cancelled) && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(first.cancelled && second.cancelled, "the speech calls were cancelled while the listener was stuck");
      assertFalse(turn.completion().isDone(), "the listener has not been told yet");
      release.countDown();
      assertEquals(TurnOutcome.CANCELLED, turn.completion().get(10, TimeUnit.SECONDS).outcome());
      reader.join(10_000);
      assertEquals(1, cancelledOn.size());
    }
  }
}
