package dev.officehours.redis;

import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An LLM at the process boundary with a deterministic answer per question, streamed word by word
 * from its own thread as a network client would.
 */
final class FaqLlm implements LlmProvider, AutoCloseable {
  final AtomicInteger calls = new AtomicInteger();
  /** Every request, in the order they came: what the model was told. */
  final Queue<ChatRequest> requests = new ConcurrentLinkedQueue<>();
  private final ExecutorService network = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "fake-llm-network");
    t.setDaemon(true);
    return t;
  });

  /** The answer to question {@code n} of the workload: two sentences of its own. */
  static String answer(String question) {
    int h = Math.floorMod(question.hashCode(), 1000);
    return "About " + question.replace("?", "") + ", the short answer is number " + h + ". "
        + "Ask at the front desk for form " + (h * 7 % 100) + " if you need more.";
  }

  @Override
  public String id() {
    return "faq-llm";
  }

  @Override
  public String defaultModel() {
    return "faq-model";
  }

  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    calls.incrementAndGet();
    requests.add(request);
    List<ChatMessage> messages = request.messages();
    String text = answer(messages.get(messages.size() - 1).text());
    AtomicInteger cancelled = new AtomicInteger();
    network.execute(() -> {
      for (String token : text.split("(?<=\\S)(?=\\s)")) {
        if (cancelled.get() != 0) {
          return;
        }
        listener.onToken(token);
      }
      if (cancelled.get() == 0) {
        listener.onComplete(new LlmCompletion("stop", new TokenUsage(20, 30, 50), "faq-model", false));
      }
    });
    return () -> cancelled.set(1);
  }

  @Override
  public void close() {
    network.shutdownNow();
  }
}
