package dev.officehours.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.internal.SseReader;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.TokenUsage;
import java.io.IOException;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One streamed chat completion: parses the {@code chat.completion.chunk} events of OpenAI and the
 * servers that copy it (Azure's empty-choices first chunk, vLLM's and llama.cpp's extra fields,
 * Ollama's shape, a usage-only last chunk, an error payload after a 200).
 */
final class ChatExchange extends Exchange implements LlmCall {
  private final LlmListener listener;
  private volatile boolean tokensDelivered;
  private String model;

  ChatExchange(Endpoint endpoint, OkHttpClient client, Request request, RetryPolicy retryPolicy,
      long deadlineNanos, LlmListener listener, String requestedModel) {
    super(Stage.LLM, "chat completion failed", endpoint, client, request, retryPolicy,
        deadlineNanos);
    this.listener = listener;
    this.model = requestedModel;
  }

  @Override
  boolean outputDelivered() {
    return tokensDelivered;
  }

  @Override
  void deliverError(OfficeHoursException error) {
    listener.onError(error);
  }

  @Override
  void onSuccess(Response response) throws IOException {
    SseReader reader = new SseReader(response.body().source());
    String finishReason = null;
    TokenUsage usage = TokenUsage.NONE;
    boolean done = false;
    while (!isCancelled()) {
      Optional<SseReader.Event> next = reader.next();
      if (next.isEmpty()) {
        break;
      }
      String data = next.get().data();
      if (data.equals("[DONE]")) {
        done = true;
        break;
      }
      if (data.isBlank()) {
        continue;
      }
      JsonNode chunk;
      try {
        chunk = Errors.JSON.readTree(data);
      } catch (IOException e) {
        fail(ProviderException.builder(stage, summary + ": malformed stream chunk")
            .retryable(false).cause(e).build());
        return;
      }
      if (chunk == null || !chunk.isObject()) {
        continue;
      }
      JsonNode error = chunk.get("error");
      if (error != null && !error.isNull()) {
        fail(Errors.fromStreamPayload(stage, summary, error, tokensDelivered, endpoint));
        return;
      }
      String chunkModel = text(chunk.get("model"));
      if (chunkModel != null) {
        model = chunkModel;
      }
      JsonNode usageNode = chunk.get("usage");
      if (usageNode != null && usageNode.isObject()) {
        usage = usage(usageNode);
      }
      JsonNode choices = chunk.get("choices");
      if (choices == null || !choices.isArray()) {
        continue;
      }
      for (JsonNode choice : choices) {
        if (choice.path("index").asInt(0) != 0) {
          continue;
        }
        String content = text(choice.path("delta").get("content"));
        if (content != null) {
          if (isCancelled()) {
            return;
          }
          tokensDelivered = true;
          listener.onToken(content);
        }
        String reason = text(choice.get("finish_reason"));
        if (reason != null) {
          finishReason = reason;
        }
      }
    }
    if (isCancelled()) {
      return;
    }
    if (done || finishReason != null) {
      if (finish()) {
        listener.onComplete(new LlmCompletion(
            finishReason == null ? "unknown" : finishReason, usage, model == null ? "" : model,
            false));
      }
      return;
    }
    fail(ProviderException.builder(stage, summary + ": stream ended before the completion finished")
        .retryable(!tokensDelivered)
        .build());
  }

  private static TokenUsage usage(JsonNode node) {
    int prompt = Math.max(0, node.path("prompt_tokens").asInt(0));
    int completion = Math.max(0, node.path("completion_tokens").asInt(0));
    int total = node.has("total_tokens") ? Math.max(0, node.path("total_tokens").asInt(0))
        : prompt + completion;
    return new TokenUsage(prompt, completion, total);
  }

  private static String text(JsonNode node) {
    if (node == null || !node.isTextual()) {
      return null;
    }
    String s = node.asText();
    return s.isEmpty() ? null : s;
  }

  @Override
  public String toString() {
    return "ChatExchange[" + endpoint + ", model=" + model + "]";
  }
}
