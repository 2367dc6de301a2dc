package dev.officehours.fallback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.fallback.ChainServers.Primary;
import dev.officehours.llm.LlmProvider;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.testkit.LlmBackend;
import dev.officehours.testkit.LlmProviderContract;
import dev.officehours.testkit.LoopbackHttpServer.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Nested;

/**
 * A {@link FallbackLlm} is an {@link LlmProvider} like any other: it keeps the same contract,
 * whichever of its providers serves. Each run is a chain of two real {@link OpenAiChat}s over
 * loopback HTTP.
 */
class FallbackLlmContractTest {

  /** The first provider fails before its first token on every call; the second serves. */
  @Nested
  class WhenTheFirstProviderFailsBeforeItsFirstToken extends LlmProviderContract {
    @Override
    protected LlmBackend startBackend() throws IOException {
      return new ChainChatBackend(Primary.FAILS_BEFORE_FIRST_BYTE);
    }
  }

  /**
   * The first provider hangs before its first token on every call: the chain moves on after its
   * attempt timeout, closing that connection, and the second serves.
   */
  @Nested
  class WhenTheFirstProviderHangsBeforeItsFirstToken extends LlmProviderContract {
    @Override
    protected LlmBackend startBackend() throws IOException {
      return new ChainChatBackend(Primary.HANGS_BEFORE_FIRST_BYTE);
    }
  }

  /** Nothing listens at the first provider's address; the second serves. */
  @Nested
  class WhenTheFirstProviderIsDown extends LlmProviderContract {
    @Override
    protected LlmBackend startBackend() throws IOException {
      return new ChainChatBackend(Primary.REFUSES_CONNECTIONS);
    }
  }

  /** The first provider serves; the chain must not move on, and a failure of both is reported. */
  @Nested
  class WhenTheFirstProviderServes extends LlmProviderContract {
    @Override
    protected LlmBackend startBackend() throws IOException {
      return new ChainChatBackend(Primary.SERVES);
    }
  }

  /**
   * Two chat-completions servers streaming OpenAI's SSE chunks, and a chain of the two providers
   * pointed at them. The chain keeps its default attempt timeout (but for a first provider that
   * hangs); it marks a provider unhealthy only after 100 failures in a row, so that every call of
   * the contract goes through the failover instead of straight to the second provider once the
   * first is skipped (health has its own tests in {@link FallbackLlmTest}).
   */
  static final class ChainChatBackend implements LlmBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-contract-FAKE0123456789abcdefSECRET";

    private final ChainServers servers;
    private final FallbackLlm chain;

    ChainChatBackend(Primary mode) throws IOException {
      servers = new ChainServers(mode, r -> lastUserMessage(r.bodyText()), ChainChatBackend::error,
          answer(List.of("an answer", " from the wrong provider")));
      chain = FallbackLlm.builder(List.of(
              OpenAiChat.builder().baseUrl(servers.firstUrl("/v1")).apiKey(KEY).model("first-model")
                  .retryPolicy(RetryPolicy.NONE).build(),
              OpenAiChat.builder().baseUrl(servers.secondUrl("/v1")).apiKey(KEY)
                  .model("second-model").retryPolicy(RetryPolicy.NONE).build()))
          .unhealthyAfter(100)
          .attemptTimeout(mode == Primary.HANGS_BEFORE_FIRST_BYTE ? ChainServers.HANG_TIMEOUT
              : FallbackLlm.DEFAULT_ATTEMPT_TIMEOUT)
          .build();
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

    private static Reply error(int status, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("error").put("message", message).put("type", "contract_error");
      return w -> w.fixed(status, "application/json", body.toString());
    }

    private static String chunk(String content, String finishReason) {
      ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-1")
          .put("object", "chat.completion.chunk").put("model", "contract-model");
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

    private static Reply answer(List<String> tokens) {
      return w -> {
        w.head(200, "text/event-stream");
        for (String t : tokens) {
          w.chunk(chunk(t, null));
        }
        w.chunk(chunk(null, "stop"));
        w.chunk("data: [DONE]\n\n");
      };
    }

    @Override
    public LlmProvider provider() {
      return chain;
    }

    @Override
    public String credential() {
      return KEY;
    }

    @Override
    public void answer(String prompt, List<String> tokens) {
      servers.serve(prompt, answer(tokens));
    }

    @Override
    public void answerThenStall(String prompt, List<String> tokens, CountDownLatch release) {
      servers.serve(prompt, w -> {
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
      servers.serve(prompt, w -> {
        w.head(200, "text/event-stream");
        for (String t : tokens) {
          w.chunk(chunk(t, null));
        }
        w.cutOff();
      });
    }

    @Override
    public void fail(String prompt, int status, String message) {
      servers.failEverywhere(prompt, status, message);
    }

    @Override
    public boolean endlessEvent(String prompt) {
      servers.everyProvider(prompt, w -> {
        w.head(200, "text/event-stream");
        w.chunk("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
        byte[] filler = "x".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 64 * 1024 && !w.clientGone(); i++) {
          w.chunk(filler);
        }
      });
      return true;
    }

    @Override
    public int openConnections() {
      return servers.openConnections();
    }

    @Override
    public void close() throws IOException {
      chain.close();
      servers.close();
    }
  }
}
