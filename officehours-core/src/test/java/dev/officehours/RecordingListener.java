package dev.officehours;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Records every event of a turn and lets a test wait for one; checks callbacks never overlap. */
final class RecordingListener implements TurnListener {
  private final List<TurnEvent> events = new ArrayList<>();
  private final AtomicInteger inCallback = new AtomicInteger();
  volatile boolean overlapped;
  volatile int terminalCount;

  private void record(TurnEvent e) {
    if (inCallback.incrementAndGet() != 1) {
      overlapped = true;
    }
    synchronized (this) {
      events.add(e);
      if (e.terminal()) {
        terminalCount++;
      }
      notifyAll();
    }
    inCallback.decrementAndGet();
  }

  @Override
  public void onText(TextDelta delta) {
    record(delta);
  }

  @Override
  public void onAudio(AudioFrame frame) {
    record(frame);
  }

  @Override
  public void onToolCall(ToolCallStarted call) {
    record(call);
  }

  @Override
  public void onToolResult(ToolResult result) {
    record(result);
  }

  @Override
  public void onComplete(TurnResult result) {
    record(result);
  }

  @Override
  public void onError(TurnFailed failure) {
    record(failure);
  }

  @Override
  public void onCancelled(TurnCancelled cancelled) {
    record(cancelled);
  }

  @Override
  public void onTranscript(Transcribed transcript) {
    record(transcript);
  }

  synchronized List<TurnEvent> events() {
    return List.copyOf(events);
  }

  synchronized List<AudioFrame> audio() {
    return events.stream().filter(AudioFrame.class::isInstance).map(AudioFrame.class::cast).toList();
  }

  /** The labels of the audio frames delivered so far, in order. */
  synchronized List<String> audioLabels() {
    return audio().stream()
        .map(f -> new String(f.data(), StandardCharsets.UTF_8).replace("\0", ""))
        .toList();
  }

  synchronized String text() {
    StringBuilder sb = new StringBuilder();
    events.stream().filter(TextDelta.class::isInstance).forEach(e -> sb.append(((TextDelta) e).text()));
    return sb.toString();
  }

  /** Waits up to 10 s for an event matching {@code p}. */
  synchronized TurnEvent await(Predicate<TurnEvent> p) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      for (TurnEvent e : events) {
        if (p.test(e)) {
          return e;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching event within 10 s; got " + events);
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** Waits until {@code count} audio frames have been delivered. */
  void awaitAudioFrames(int count) {
    await(e -> audio().size() >= count);
  }

  TurnEvent awaitTerminal() {
    return await(TurnEvent::terminal);
  }
}
