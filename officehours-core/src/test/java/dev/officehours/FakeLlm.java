package dev.officehours;

import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import dev.officehours.errors.OfficeHoursException;

/**
 * An LLM at the process boundary that the test drives by hand: each {@link #stream} call becomes
 * a {@link Stream} the test takes with {@link #nextStream()} and feeds tokens into, from its own
 * thread, as a network thread would.
 */
class FakeLlm implements LlmProvider {
  final BlockingQueue<Stream> streams = new LinkedBlockingQueue<>();

  @Override
  public String id() {
    return "fake-llm";
  }

  @Override
  public String defaultModel() {
    return "fake-model";
  }

  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    Stream s = new Stream(request, listener);
    streams.add(s);
    return s::cancel;
  }

  Stream nextStream() {
    try {
      Stream s = streams.poll(10, TimeUnit.SECONDS);
      if (s == null) {
        throw new AssertionError("the pipeline made no LLM call within 10 s");
      }
      return s;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static final class Stream {
    final ChatRequest request;
    final LlmListener listener;
    volatile boolean cancelled;
    private final java.util.concurrent.CountDownLatch cancel = new java.util.concurrent.CountDownLatch(1);

    Stream(ChatRequest request, LlmListener listener) {
      this.request = request;
      this.listener = listener;
    }

    void cancel() {
      cancelled = true;
      cancel.countDown();
    }

    /** Waits up to 10 s for the pipeline to cancel this call. */
    boolean awaitCancelled() {
      try {
        return cancel.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    Stream tokens(String... tokens) {
      for (String t : tokens) {
        listener.onToken(t);
      }
      return this;
    }

    /** Sends the text word by word, as tokens with their leading spaces. */
    Stream words(String text) {
      for (String t : text.split("(?<=\\S)(?=\\s)")) {
        listener.onToken(t);
      }
      return this;
    }

    void complete() {
      listener.onComplete(new LlmCompletion("stop", new TokenUsage(10, 20, 30), "fake-model", false));
    }

    /** Ends the answer with calls of the functions {@code calls}, as a model that uses tools. */
    void callTools(dev.officehours.llm.ToolCallRequest... calls) {
      listener.onComplete(new LlmCompletion("tool_calls", new TokenUsage(10, 5, 15), "fake-model",
          false, java.util.List.of(calls)));
    }

    void fail(OfficeHoursException e) {
      listener.onError(e);
    }
  }

}
