package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An LLM at the process boundary that the test answers by hand, stream by stream. */
class ScriptedLlm implements LlmProvider {
  final BlockingQueue<Stream> streams = new LinkedBlockingQueue<>();
  final AtomicInteger started = new AtomicInteger();

  @Override
  public String id() {
    return "scripted-llm";
  }

  @Override
  public String defaultModel() {
    return "model-a";
  }

  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    started.incrementAndGet();
    Stream s = new Stream(listener);
    streams.add(s);
    return s::cancel;
  }

  Stream next() throws InterruptedException {
    Stream s = streams.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no LLM call within 10 s");
    }
    return s;
  }

  static final class Stream {
    final LlmListener listener;
    volatile boolean cancelled;

    Stream(LlmListener listener) {
      this.listener = listener;
    }

    void cancel() {
      cancelled = true;
    }

    void answer(String text, String finishReason) {
      for (String t : text.split("(?<=\\S)(?=\\s)")) {
        listener.onToken(t);
      }
      listener.onComplete(new LlmCompletion(finishReason, new TokenUsage(5, 5, 10), "model-a", false));
    }

    void fail() {
      listener.onError(new OfficeHoursException(OfficeHoursException.Stage.LLM, "boom"));
    }
  }
}
