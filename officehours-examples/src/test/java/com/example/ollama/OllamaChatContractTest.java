package com.example.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.llm.LlmProvider;
import dev.officehours.testkit.LlmBackend;
import dev.officehours.testkit.LlmProviderContract;
import dev.officehours.testkit.LoopbackHttpServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import okhttp3.OkHttpClient;

/** The custom {@link OllamaChat} keeps the LLM provider contract: the kit's whole check. */
class OllamaChatContractTest extends LlmProviderContract {

  @Override
  protected LlmBackend startBackend() throws IOException {
    return new OllamaBackend();
  }

  /** A stand-in Ollama server: {@code /api/chat} streaming one JSON object per line. */
  static final class OllamaBackend implements LlmBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "proxy-token-FAKE-0123456789";
    private static final OkHttpClient CLIENT = new OkHttpClient();

    private final LoopbackHttpServer server = LoopbackHttpServer.start();
    private final Map<String, LoopbackHttpServer.Reply> scripts = new ConcurrentHashMap<>();
    private final OllamaChat provider = new OllamaChat(CLIENT, server.url("/"), "llama3.2", TOKEN);

    OllamaBackend() throws IOException {
      server.handler(request -> scripts.getOrDefault(lastUserMessage(request.bodyText()),
          w -> w.fixed(404, "application/json", "{\"error\":\"no script\"}")));
    }

    private static String lastUserMessage(String body) throws RuntimeException {
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

    private static String line(String content) {
      return JSON.createObjectNode().put("model", "llama3.2").put("done", false)
          .set("message", JSON.createObjectNode().put("role", "assistant").put("content", content))
          + "\n";
    }

    private static final String DONE = "{\"model\":\"llama3.2\",\"done\":true,\"done_reason\":\"stop\"}\n";

    @Override
    public LlmProvider provider() {
      return provider;
    }

    @Override
    public String credential() {
      return TOKEN;
    }

    @Override
    public void answer(String prompt, List<String> tokens) {
      scripts.put(prompt, w -> {
        w.head(200, "application/x-ndjson");
        for (String t : tokens) {
          w.chunk(line(t));
        }
        w.chunk(DONE);
      });
    }

    @Override
    public void answerThenStall(String prompt, List<String> tokens, CountDownLatch release) {
      scripts.put(prompt, w -> {
        w.head(200, "application/x-ndjson");
        for (String t : tokens) {
          w.chunk(line(t));
        }
        if (w.holdUntil(release)) {
          w.chunk(DONE);
        }
      });
    }

    @Override
    public void cutOff(String prompt, List<String> tokens) {
      scripts.put(prompt, w -> {
        w.head(200, "application/x-ndjson");
        for (String t : tokens) {
          w.chunk(line(t));
        }
        w.cutOff();
      });
    }

    @Override
    public void fail(String prompt, int status, String message) {
      String body = JSON.createObjectNode().put("error", message).toString();
      scripts.put(prompt, w -> w.fixed(status, "application/json", body));
    }

    @Override
    public boolean endlessEvent(String prompt) {
      scripts.put(prompt, w -> {
        w.head(200, "application/x-ndjson");
        w.chunk("{\"message\":{\"content\":\"");
        String filler = "x".repeat(16 * 1024);
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
