package dev.officehours.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.llm.LlmProvider;
import dev.officehours.testkit.LlmBackend;
import dev.officehours.testkit.LlmProviderContract;
import dev.officehours.testkit.LoopbackHttpServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/** {@link OpenAiChat} keeps the LLM provider contract, over loopback HTTP. */
class OpenAiChatContractTest extends LlmProviderContract {

  @Override
  protected LlmBackend startBackend() throws IOException {
    return new ChatCompletionsBackend();
  }

  /** A chat-completions server that streams OpenAI's SSE chunks as the contract scripts them. */
  static final class ChatCompletionsBackend implements LlmBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-contract-FAKE0123456789abcdefSECRET";

    private final LoopbackHttpServer server = LoopbackHttpServer.start();
    private final Map<String, LoopbackHttpServer.Reply> scripts = new ConcurrentHashMap<>();
    private final OpenAiChat provider;

    ChatCompletionsBackend() throws IOException {
      server.handler(request -> scripts.getOrDefault(lastUserMessage(request.bodyText()),
          w -> w.fixed(500, "application/json", "{\"error\":{\"message\":\"no script\"}}")));
      provider = OpenAiChat.builder().baseUrl(server.url("/v1")).apiKey(KEY).model("contract-model")
          .retryPolicy(RetryPolicy.NONE).build();
    }

    private static String lastUserMessage(String body) {
      try {
        String last = "";
        for (JsonNode m : JSON.readTree(body).path("messages")) {
          if (m.path("role").asText().equals("user")) {
            last = m.path("content").asText();
          }
        }
        return last;
      } catch (IOException e) {
        return "";
      }
    }

    private static String chunk(String content, String finishReason) {
      ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
          .put("model", "contract-model");
      ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      if (content != null) {
        delta.put("content", content);
      }
      if (finishReason != null) {
        choice.put("finish_reason", finishReason);
      } else {
        choice.putNull("finish_reason");
      }
      return "data: " + c + "\n\n";
    }

    @Override
    public LlmProvider provider() {
      return provider;
    }

    @Override
    public String credential() {
      return KEY;
    }

    @Override
    public void answer(String prompt, List<String> tokens) {
      scripts.put(prompt, w -> {
        w.head(200, "text/event-stream");
        for (String t : tokens) {
          w.chunk(chunk(t, null));
        }
        w.chunk(chunk(null, "stop"));
        w.chunk("data: [DONE]\n\n");
      });
    }

    @Override
    public void answerThenStall(String prompt, List<String> tokens, CountDownLatch release) {
      scripts.put(prompt, w -> {
        w.head(200, "text/event-stream");
        for (String t : tokens) {
          w.chunk(chunk(t, null));
        }
        if (w.holdUntil(release)) {
          w.chunk(chunk(null, "stop"));
          w.chunk("data: [DONE]\n\n");
        }
      });
    }

    @Override
    public void cutOff(String prompt, List<String> tokens) {
      scripts.put(prompt, w -> {
        w.head(200, "text/event-stream");
        for (String t : tokens) {
          w.chunk(chunk(t, null));
        }
        w.cutOff();
      });
    }

    @Override
    public void fail(String prompt, int status, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("error").put("message", message).put("type", "contract_error");
      scripts.put(prompt, w -> w.fixed(status, "application/json", body.toString()));
    }

    @Override
    public boolean endlessEvent(String prompt) {
      scripts.put(prompt, w -> {
        w.head(200, "text/event-stream");
        w.chunk("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
        byte[] filler = "x".repeat(16 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // never ends the line; stops when the client hangs up (or after a bound of its own)
        for (int i = 0; i < 64 * 1024 && !w.clientGone(); i++) {
          w.chunk(filler);
        }
      });
      return true;
    }

    @Override
    public int openConnections() {
      return server.openConnections();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
