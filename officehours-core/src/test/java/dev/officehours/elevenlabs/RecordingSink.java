package dev.officehours.elevenlabs;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.WordTiming;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Records what a provider hands to its sink, and checks the sink contract as it goes. */
final class RecordingSink implements AudioSink {
  /** One {@code onAudio} call. */
  record Call(byte[] audio, List<WordTiming> words, boolean withTimings) {}

  final List<Call> calls = new ArrayList<>();
  final CompletableFuture<OfficeHoursException> ended = new CompletableFuture<>();
  final CountDownLatch firstAudio = new CountDownLatch(1);
  volatile int terminals;
  volatile boolean calledAfterEnd;

  @Override
  public synchronized void onAudio(byte[] audio) {
    record(new Call(audio, List.of(), false));
  }

  @Override
  public synchronized void onAudio(byte[] audio, List<WordTiming> words) {
    record(new Call(audio, words, true));
  }

  private void record(Call call) {
    if (ended.isDone()) {
      calledAfterEnd = true;
    }
    if (call.audio().length == 0) {
      throw new AssertionError("empty audio handed to the sink");
    }
    calls.add(call);
    firstAudio.countDown();
  }

  @Override
  public void onComplete() {
    terminals++;
    ended.complete(null);
  }

  @Override
  public void onError(OfficeHoursException error) {
    terminals++;
    ended.complete(error);
  }

  /** Waits for the terminal callback: null when the synthesis completed, else its error. */
  OfficeHoursException awaitEnd() {
    try {
      return ended.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no terminal callback within 10 s", e);
    }
  }

  synchronized byte[] audio() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    calls.forEach(c -> all.writeBytes(c.audio()));
    return all.toByteArray();
  }

  synchronized List<WordTiming> words() {
    return calls.stream().flatMap(c -> c.words().stream()).toList();
  }
}
