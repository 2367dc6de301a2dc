package dev.officehours.openai;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records every callback, in order, and counts terminal ones. */
class RecordingListener implements LlmListener {
  final List<String> tokens = new ArrayList<>();
  final List<String> events = new ArrayList<>();
  final AtomicInteger terminalCalls = new AtomicInteger();
  final CompletableFuture<LlmCompletion> completion = new CompletableFuture<>();
  final CompletableFuture<OfficeHoursException> error = new CompletableFuture<>();
  final CountDownLatch firstToken = new CountDownLatch(1);
  private final CompletableFuture<Object> terminal = new CompletableFuture<>();

  @Override
  public synchronized void onToken(String delta) {
    if (delta.isEmpty()) {
      throw new AssertionError("onToken with an empty delta");
    }
    tokens.add(delta);
    events.add("token:" + delta);
    firstToken.countDown();
  }

  @Override
  public synchronized void onComplete(LlmCompletion c) {
    events.add("complete");
    terminalCalls.incrementAndGet();
    completion.complete(c);
    terminal.complete(c);
  }

  @Override
  public synchronized void onError(OfficeHoursException e) {
    events.add("error");
    terminalCalls.incrementAndGet();
    error.complete(e);
    terminal.complete(e);
  }

  synchronized String text() {
    return String.join("", tokens);
  }

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  /** Waits for the terminal callback (at most 10 s). */
  Object awaitTerminal() throws Exception {
    return terminal.get(10, TimeUnit.SECONDS);
  }

  LlmCompletion awaitCompletion() throws Exception {
    Object t = awaitTerminal();
    if (t instanceof OfficeHoursException) {
      throw new AssertionError("expected completion but got " + t, (Throwable) t);
    }
    return (LlmCompletion) t;
  }

  OfficeHoursException awaitError() throws Exception {
    Object t = awaitTerminal();
    if (!(t instanceof OfficeHoursException)) {
      throw new AssertionError("expected an error but got " + t + " after " + events());
    }
    return (OfficeHoursException) t;
  }

  boolean awaitFirstToken() throws InterruptedException {
    return firstToken.await(10, TimeUnit.SECONDS);
  }
}
