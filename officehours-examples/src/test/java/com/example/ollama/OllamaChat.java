package com.example.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * A provider written by someone outside the SDK, against its public API only: Ollama's native
 * {@code /api/chat}, which streams one JSON object per line ({@code {"message":{"content":"…"},
 * "done":false}} … {@code {"done":true,"done_reason":"stop"}}) rather than OpenAI's SSE.
 */
public final class OllamaChat implements LlmProvider {
  /** The longest line a server may send: past it the call fails instead of filling the heap. */
  static final int MAX_LINE_BYTES = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  private final OkHttpClient client;
  private final HttpUrl chatUrl;
  private final String model;
  private final String token;

  /**
   * A provider for one Ollama server.
   *
   * @param client the HTTP client, shared
   * @param baseUrl e.g. {@code http://localhost:11434}
   * @param model e.g. {@code llama3.2}
   * @param token a bearer token for a proxy in front of Ollama, or empty
   */
  public OllamaChat(OkHttpClient client, String baseUrl, String model, String token) {
    this.client = client;
    this.chatUrl = HttpUrl.get(baseUrl).newBuilder().addPathSegments("api/chat").build();
    this.model = model;
    this.token = token;
  }

  @Override
  public String id() {
    return "ollama@" + chatUrl.host() + ":" + chatUrl.port();
  }

  @Override
  public String defaultModel() {
    return model;
  }

  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    ObjectNode body = JSON.createObjectNode().put("model", request.model().orElse(model)).put("stream", true);
    ArrayNode messages = body.putArray("messages");
    for (ChatMessage m : request.messages()) {
      messages.addObject().put("role", m.role().wireName()).put("content", m.text());
    }
    Request.Builder http = new Request.Builder().url(chatUrl).post(RequestBody.create(body.toString(), JSON_TYPE));
    if (!token.isEmpty()) {
      http.header("Authorization", "Bearer " + token);
    }
    Exchange exchange = new Exchange(listener);
    exchange.call = client.newCall(http.build());
    exchange.call.enqueue(exchange); // returns at once; the body is read on OkHttp's thread
    return exchange;
  }

  @Override
  public String toString() {
    return "OllamaChat[" + chatUrl + ", model=" + model + "]";
  }

  /** One call: exactly one terminal callback, and none after cancel. */
  private final class Exchange implements Callback, LlmCall {
    private final LlmListener listener;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean cancelled;
    private Call call;

    Exchange(LlmListener listener) {
      this.listener = listener;
    }

    @Override
    public void cancel() {
      cancelled = true;
      call.cancel(); // closes the connection
    }

    private boolean end() {
      return !cancelled && ended.compareAndSet(false, true);
    }

    private void fail(String what, int status, String providerMessage, Throwable cause) {
      if (end()) {
        listener.onError(ProviderException.builder(OfficeHoursException.Stage.LLM, "ollama chat failed: " + what)
            .status(status).providerMessage(redact(providerMessage)).cause(cause)
            .retryable(status == 0 || status == 429 || status >= 500).build());
      }
    }

    private String redact(String message) {
      return message == null || token.isEmpty() ? message : message.replace(token, "***");
    }

    @Override
    public void onFailure(Call c, IOException e) {
      fail("connection", 0, null, null); // the IOException may quote the request: not kept
    }

    @Override
    public void onResponse(Call c, Response response) {
      try (response) {
        BufferedSource source = response.body().source();
        if (!response.isSuccessful()) {
          source.request(64 * 1024);
          String text = source.getBuffer().snapshot((int) Math.min(source.getBuffer().size(), 64 * 1024)).utf8();
          fail("HTTP " + response.code(), response.code(), errorMessage(text), null);
          return;
        }
        while (!cancelled && !source.exhausted()) {
          String line;
          try {
            line = source.readUtf8LineStrict(MAX_LINE_BYTES);
          } catch (EOFException e) {
            if (source.getBuffer().size() >= MAX_LINE_BYTES) {
              call.cancel();
              fail("a line is longer than " + MAX_LINE_BYTES + " bytes", 0, null, null);
            } else {
              fail("the stream was cut off", 0, null, null);
            }
            return;
          }
          if (line.isBlank()) {
            continue;
          }
          JsonNode chunk = JSON.readTree(line);
          if (chunk.hasNonNull("error")) {
            fail("error in stream", 0, chunk.path("error").asText(), null);
            return;
          }
          String content = chunk.path("message").path("content").asText("");
          if (!content.isEmpty() && !cancelled) {
            listener.onToken(content);
          }
          if (chunk.path("done").asBoolean(false)) {
            if (end()) {
              listener.onComplete(new LlmCompletion(chunk.path("done_reason").asText("stop"), new TokenUsage(
                  chunk.path("prompt_eval_count").asInt(0), chunk.path("eval_count").asInt(0),
                  chunk.path("prompt_eval_count").asInt(0) + chunk.path("eval_count").asInt(0)),
                  chunk.path("model").asText(model), false));
            }
            return;
          }
        }
        fail("the stream ended before done", 0, null, null);
      } catch (IOException e) {
        fail("the stream broke", 0, null, null);
      }
    }

    private String errorMessage(String body) {
      try {
        return JSON.readTree(body).path("error").asText(null);
      } catch (IOException e) {
        return null;
      }
    }
  }
}
