package dev.officehours.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.stt.SttProvider;
import dev.officehours.testkit.LoopbackHttpServer;
import dev.officehours.testkit.SttBackend;
import dev.officehours.testkit.SttProviderContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/** {@link OpenAiTranscription} keeps the STT provider contract, over loopback HTTP. */
class OpenAiTranscriptionContractTest extends SttProviderContract {

  @Override
  protected SttBackend startBackend() throws IOException {
    return new TranscriptionBackend();
  }

  /** An {@code /audio/transcriptions} server; finds the uploaded audio in the multipart body. */
  static final class TranscriptionBackend implements SttBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-contract-FAKE0123456789abcdefSECRET";

    private final LoopbackHttpServer server = LoopbackHttpServer.start();
    private final Map<String, LoopbackHttpServer.Reply> scripts = new ConcurrentHashMap<>();
    private final OpenAiTranscription provider;

    TranscriptionBackend() throws IOException {
      server.handler(request -> {
        String body = request.bodyText();
        return scripts.entrySet().stream().filter(e -> body.contains(e.getKey()))
            .map(Map.Entry::getValue).findFirst()
            .orElse(w -> w.fixed(500, "application/json", "{\"error\":{\"message\":\"no script\"}}"));
      });
      provider = OpenAiTranscription.builder().baseUrl(server.url("/v1")).apiKey(KEY)
          .retryPolicy(RetryPolicy.NONE).build();
    }

    private static String key(byte[] audio) {
      return new String(audio, StandardCharsets.US_ASCII);
    }

    private static String transcript(String text) {
      return JSON.createObjectNode().put("text", text).toString();
    }

    @Override
    public SttProvider provider() {
      return provider;
    }

    @Override
    public String credential() {
      return KEY;
    }

    @Override
    public void hear(byte[] audio, String text) {
      scripts.put(key(audio), w -> w.fixed(200, "application/json", transcript(text)));
    }

    @Override
    public void hearAfter(byte[] audio, String text, CountDownLatch release) {
      scripts.put(key(audio), w -> {
        if (w.holdUntil(release)) {
          w.fixed(200, "application/json", transcript(text));
        }
      });
    }

    @Override
    public void fail(byte[] audio, int status, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("error").put("message", message).put("type", "contract_error");
      scripts.put(key(audio), w -> w.fixed(status, "application/json", body.toString()));
    }

    @Override
    public boolean endlessResponse(byte[] audio) {
      scripts.put(key(audio), w -> {
        w.head(200, "application/json");
        w.chunk("{\"text\":\"");
        byte[] filler = "la ".repeat(5000).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 100_000 && !w.clientGone(); i++) {
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
