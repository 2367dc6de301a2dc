package dev.officehours.testkit;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** An {@link LlmListener} that records every callback into a {@link CallbackLog}. */
public final class RecordingLlmListener implements LlmListener {
  private final CallbackLog log = new CallbackLog();
  private final List<String> tokens = new ArrayList<>();
  private final Consumer<String> onEachToken;
  private volatile LlmCompletion completion;

  /** A listener that only records. */
  public RecordingLlmListener() {
    this(t -> {});
  }

  /**
   * A listener that records and then runs {@code onEachToken} (e.g. to cancel from inside).
   *
   * @param onEachToken runs inside each {@link #onToken}, after recording it
   */
  public RecordingLlmListener(Consumer<String> onEachToken) {
    this.onEachToken = onEachToken;
  }

  @Override
  public void onToken(String delta) {
    log.enter("token:" + delta, false);
    try {
      synchronized (tokens) {
        tokens.add(delta);
      }
      onEachToken.accept(delta);
    } finally {
      log.exit();
    }
  }

  @Override
  public void onComplete(LlmCompletion completion) {
    // set before the terminal is recorded: a waiter reads it as soon as the log says it ended
    this.completion = completion;
    log.enter("complete", true);
    log.exit();
  }

  @Override
  public void onError(OfficeHoursException error) {
    log.error(error);
    log.enter("error:" + error, true);
    log.exit();
  }

  /**
   * The tokens received, in order.
   *
   * @return a copy
   */
  public List<String> tokens() {
    synchronized (tokens) {
      return List.copyOf(tokens);
    }
  }

  /**
   * The tokens received, joined.
   *
   * @return the answer text so far
   */
  public String text() {
    return String.join("", tokens());
  }

  /**
   * The completion, if the stream completed.
   *
   * @return the completion or null
   */
  public LlmCompletion completion() {
    return completion;
  }

  /**
   * The callback log.
   *
   * @return the log of this listener
   */
  public CallbackLog log() {
    return log;
  }
}
