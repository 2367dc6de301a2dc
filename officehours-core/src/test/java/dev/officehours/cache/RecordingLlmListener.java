package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Records a completion's tokens, the threads they came on, and how it ended. */
final class RecordingLlmListener implements LlmListener {
  final List<String> tokens = new CopyOnWriteArrayList<>();
  final List<String> threads = new CopyOnWriteArrayList<>();
  final CompletableFuture<LlmCompletion> done = new CompletableFuture<>();

  @Override
  public void onToken(String delta) {
    tokens.add(delta);
    threads.add(Thread.currentThread().getName());
  }

  @Override
  public void onComplete(LlmCompletion completion) {
    done.complete(completion);
  }

  @Override
  public void onError(OfficeHoursException error) {
    done.completeExceptionally(error);
  }

  String text() {
    return String.join("", tokens);
  }

  LlmCompletion await() throws Exception {
    return done.get(10, TimeUnit.SECONDS);
  }
}
