package dev.officehours.openai;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Records every audio piece and the terminal callback. */
class RecordingSink implements AudioSink {
  final List<byte[]> pieces = new ArrayList<>();
  final List<String> events = new ArrayList<>();
  final CountDownLatch firstAudio = new CountDownLatch(1);
  private final CompletableFuture<Object> terminal = new CompletableFuture<>();
  int terminalCalls;

  @Override
  public synchronized void onAudio(byte[] audio) {
    if (audio.length == 0) {
      throw new AssertionError("onAudio with no bytes");
    }
    pieces.add(audio);
    events.add("audio:" + audio.length);
    firstAudio.countDown();
  }

  @Override
  public synchronized void onComplete() {
    events.add("complete");
    terminalCalls++;
    terminal.complete("complete");
  }

  @Override
  public synchronized void onError(OfficeHoursException error) {
    events.add("error");
    terminalCalls++;
    terminal.complete(error);
  }

  synchronized byte[] audio() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pieces.forEach(out::writeBytes);
    return out.toByteArray();
  }

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  void awaitComplete() throws Exception {
    Object t = terminal.get(10, TimeUnit.SECONDS);
    if (!"complete".equals(t)) {
      throw new AssertionError("expected completion but got " + t, (Throwable) t);
    }
  }

  OfficeHoursException awaitError() throws Exception {
    Object t = terminal.get(10, TimeUnit.SECONDS);
    if (!(t instanceof OfficeHoursException)) {
      throw new AssertionError("expected an error but got " + t);
    }
    return (OfficeHoursException) t;
  }
}
