package dev.officehours.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.testkit.LoopbackHttpServer;
import dev.officehours.testkit.TtsBackend;
import dev.officehours.testkit.TtsProviderContract;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.TtsProvider;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/** {@link OpenAiSpeech} keeps the TTS provider contract, over loopback HTTP. */
class OpenAiSpeechContractTest extends TtsProviderContract {

  @Override
  protected TtsBackend startBackend() throws IOException {
    return new SpeechBackend();
  }

  /** An {@code /audio/speech} server that streams raw PCM as the contract scripts it. */
  static final class SpeechBackend implements TtsBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-contract-FAKE0123456789abcdefSECRET";

    private final LoopbackHttpServer server = LoopbackHttpServer.start();
    private final Map<String, LoopbackHttpServer.Reply> scripts = new ConcurrentHashMap<>();
    private final OpenAiSpeech provider;

    SpeechBackend() throws IOException {
      server.handler(request -> scripts.getOrDefault(input(request.bodyText()),
          w -> w.fixed(500, "application/json", "{\"error\":{\"message\":\"no script\"}}")));
      provider = OpenAiSpeech.builder().baseUrl(server.url("/v1")).apiKey(KEY)
          .format(AudioFormat.PCM_24K).retryPolicy(RetryPolicy.NONE).build();
    }

    private static String input(String body) {
      try {
        return JSON.readTree(body).path("input").asText();
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public TtsProvider provider() {
      return provider;
    }

    @Override
    public String credential() {
      return KEY;
    }

    @Override
    public void speak(String text, List<byte[]> pieces) {
      scripts.put(text, w -> {
        w.head(200, "audio/pcm");
        for (byte[] p : pieces) {
          w.chunk(p);
        }
      });
    }

    @Override
    public void speakThenStall(String text, List<byte[]> pieces, CountDownLatch release) {
      scripts.put(text, w -> {
        w.head(200, "audio/pcm");
        for (byte[] p : pieces) {
          w.chunk(p);
        }
        w.holdUntil(release);
      });
    }

    @Override
    public void cutOff(String text, List<byte[]> pieces) {
      scripts.put(text, w -> {
        w.head(200, "audio/pcm");
        for (byte[] p : pieces) {
          w.chunk(p);
        }
        w.cutOff();
      });
    }

    @Override
    public void fail(String text, int status, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("error").put("message", message).put("type", "contract_error");
      scripts.put(text, w -> w.fixed(status, "application/json", body.toString()));
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
