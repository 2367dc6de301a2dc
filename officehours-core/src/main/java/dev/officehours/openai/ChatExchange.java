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
import java.util.Set;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One streamed chat completion: parses the {@code chat.completion.chunk} events of OpenAI and the
 * servers that copy it (Azure's empty-choices first chunk, vLLM's and llama.cpp's extra fields,
 * Ollama's shape, Groq's whole tool calls and {@code x_groq.usage}, a usage-only last chunk, an
 * error payload after a 200).
 *
 * <p>{@code delta.content} and {@code delta.refusal} are answer text and go to the listener as
 * they arrive; {@code delta.tool_calls} pieces are assembled and handed over in the completion.
 * Content may be an array of parts (Mistral's reasoning models): its {@code text} parts are the
 * answer, its {@code thinking} parts reasoning. Reasoning ({@code delta.reasoning_content} as
 * DeepSeek sends it, {@code delta.reasoning} as Ollama, vLLM and OpenRouter do) goes to
 * {@link LlmListener#onReasoning}, never to {@link LlmListener#onToken}. An {@code error:} field
 * line (llama.cpp's server) or an event of type {@code error} fails the call with its message.
 * One limit bounds what a server can make this hold: a line or event of the stream, and the tool
 * calls of the completion, are at most {@code maxEventBytes} each; past it the connection is
 * closed and the call fails (not retried: the same server would send the same).
 */
final class ChatExchange extends Exchange implements LlmCall {
  private static final String LIMIT_SETTING = "OpenAiChat.Builder.maxEventBytes";

  private final LlmListener listener;
  private final int maxEventBytes;
  private volatile boolean tokensDelivered;
  private String model;

  ChatExchange(Endpoint endpoint, OkHttpClient client, Request request, RetryPolicy retryPolicy,
      long deadlineNanos, LlmListener listener, String requestedModel, int maxEventBytes) {
    super(Stage.LLM, "chat completion failed", endpoint, client, request, retryPolicy,
        deadlineNanos);
    this.listener = listener;
    this.model = requestedModel;
    this.maxEventBytes = maxEventBytes;
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
    // llama.cpp's server has written a failure as an "error: {json}" line, not as data
    SseReader reader = new SseReader(response.body().source(), maxEventBytes, Set.of("error"));
    ToolCallDeltas toolCalls = new ToolCallDeltas(maxEventBytes);
    String finishReason = null;
    TokenUsage usage = TokenUsage.NONE;
    boolean done = false;
    while (!isCancelled()) {
      Optional<SseReader.Event> next;
      try {
        next = reader.next();
      } catch (SseReader.TooLargeException e) {
        String what = e.what() == SseReader.TooLargeException.What.LINE
            ? "a line of the event stream is" : "an event of the stream is";
        failOverLimit(what, e);
        return;
      }
      if (next.isEmpty()) {
        break;
      }
      String data = next.get().data();
      if (next.get().type().equals("error")) {
        // llama.cpp's "error:" line, or an event a server labelled so: the call failed
        fail(Errors.fromStreamPayload(stage, summary, errorEvent(data), tokensDelivered,
            endpoint));
        return;
      }
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
        closeConnection();
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
      if (usageNode == null || !usageNode.isObject()) {
        // Groq reports a stream's usage in its own extension of the last chunk
        usageNode = chunk.path("x_groq").get("usage");
      }
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
        JsonNode delta = choice.path("delta");
        // Reasoning first: a server that sends both in one delta thought before it answered.
        // Some servers send the same text under both names (vLLM kept the old one beside the new
        // while renaming it, proxies copy one to the other): one is enough.
        String reasoning = text(delta.get("reasoning_content"));
        if (!deliverReasoning(reasoning != null ? reasoning : text(delta.get("reasoning")))) {
          return;
        }
        JsonNode content = delta.get("content");
        // A refusal is the answer the user gets: shown and spoken like content.
        if (!(content != null && content.isArray() ? deliverParts(content)
            : deliver(text(content))) || !deliver(text(delta.get("refusal")))) {
          return;
        }
        try {
          toolCalls.add(delta.get("tool_calls"));
        } catch (ToolCallDeltas.TooLargeException e) {
          failOverLimit("the tool calls of the completion are", e);
          return;
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
            false, toolCalls.result()));
      }
      return;
    }
    fail(ProviderException.builder(stage, summary + ": stream ended before the completion finished")
        .retryable(!tokensDelivered)
        .build());
  }

  /**
   * Hands a piece of answer text to the listener.
   *
   * @return false when the call was cancelled and reading must stop
   */
  private boolean deliver(String text) {
    if (text == null) {
      return true;
    }
    if (isCancelled()) {
      return false;
    }
    tokensDelivered = true;
    listener.onToken(text);
    return true;
  }

  /**
   * Hands a piece of reasoning to the listener.
   *
   * @return false when the call was cancelled and reading must stop
   */
  private boolean deliverReasoning(String text) {
    if (text == null) {
      return true;
    }
    if (isCancelled()) {
      return false;
    }
    // Not retried after it either: the listener would hear the reasoning twice.
    tokensDelivered = true;
    listener.onReasoning(text);
    return true;
  }

  /**
   * Content as an array of parts, as Mistral's reasoning models send it: {@code text} parts are
   * the answer, {@code thinking} parts (themselves a list of text parts) are reasoning; other
   * kinds (references) are neither.
   *
   * @return false when the call was cancelled and reading must stop
   */
  private boolean deliverParts(JsonNode parts) {
    for (JsonNode part : parts) {
      String type = text(part.get("type"));
      if ("text".equals(type)) {
        if (!deliver(text(part.get("text")))) {
          return false;
        }
      } else if ("thinking".equals(type)) {
        JsonNode thinking = part.get("thinking");
        if (thinking != null && thinking.isArray()) {
          for (JsonNode piece : thinking) {
            if ("text".equals(text(piece.get("type")))
                && !deliverReasoning(text(piece.get("text")))) {
              return false;
            }
          }
        } else if (!deliverReasoning(text(thinking))) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The error in an event of type {@code error}: its JSON's {@code error} member when it has
   * one, else the JSON itself (llama.cpp sends {@code {"code","message","type"}}), else the text.
   */
  private static JsonNode errorEvent(String data) {
    try {
      JsonNode node = Errors.JSON.readTree(data);
      if (node != null && node.isObject()) {
        JsonNode inner = node.get("error");
        return inner != null && !inner.isNull() ? inner : node;
      }
    } catch (IOException e) {
      // not JSON: the text is the message
    }
    return Errors.JSON.getNodeFactory().textNode(
        data.isBlank() ? "the server reported an error without details" : data);
  }

  private void failOverLimit(String what, Exception cause) {
    closeConnection();
    fail(ProviderException.builder(stage, summary + ": " + what + " longer than the limit of "
            + maxEventBytes + " bytes (" + LIMIT_SETTING + ")")
        .retryable(false)
        .cause(cause)
        .build());
  }

  private static TokenUsage usage(JsonNode node) {
    int prompt = Math.max(0, node.path("prompt_tokens").asInt(0));
    int completion = Math.max(0, node.path("completion_tokens").asInt(0));
    int total = node.has("total_tokens") ? Math.max(0, node.path("total_tokens").asInt(0))
        : prompt + completion;
    int reasoning = Math.max(0,
        node.path("completion_tokens_details").path("reasoning_tokens").asInt(0));
    return new TokenUsage(prompt, completion, total, reasoning);
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
