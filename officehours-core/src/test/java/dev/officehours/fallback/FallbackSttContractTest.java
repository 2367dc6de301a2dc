package dev.officehours.fallback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.fallback.ChainServers.Primary;
import dev.officehours.openai.OpenAiTranscription;
import dev.officehours.stt.SttProvider;
import dev.officehours.testkit.LoopbackHttpServer.Reply;
import dev.officehours.testkit.LoopbackHttpServer.Request;
import dev.officehours.testkit.SttBackend;
import dev.officehours.testkit.SttProviderContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Nested;

/**
 * A {@link FallbackStt} is an {@link SttProvider} like any other: it keeps the same contract,
 * whichever of its providers serves. Each run is a chain of two real {@link
 * OpenAiTranscription}s over loopback HTTP.
 */
class FallbackSttContractTest {

  /** The first provider fails before any byte of its transcript; the second serves. */
  @Nested
  class WhenTheFirstProviderFailsBeforeItsFirstByte extends SttProviderContract {
    @Override
    protected SttBackend startBackend() throws IOException {
      return new ChainTranscriptionBackend(Primary.FAILS_BEFORE_FIRST_BYTE);
    }
  }

  /**
   * The first provider hangs before its first byte on every call: the chain moves on after its
   * attempt timeout, closing that connection, and the second serves.
   */
  @Nested
  class WhenTheFirstProviderHangsBeforeItsFirstByte extends SttProviderContract {
    @Override
    protected SttBackend startBackend() throws IOException {
      return new ChainTranscriptionBackend(Primary.HANGS_BEFORE_FIRST_BYTE);
    }
  }

  /** Nothing listens at the first provider's address; the second serves. */
  @Nested
  class WhenTheFirstProviderIsDown extends SttProviderContract {
    @Override
    protected SttBackend startBackend() throws IOException {
      return new ChainTranscriptionBackend(Primary.REFUSES_CONNECTIONS);
    }
  }

  /** The first provider serves; the chain must not move on, and a failure of both is reported. */
  @Nested
  class WhenTheFirstProviderServes extends SttProviderContract {
    @Override
    protected SttBackend startBackend() throws IOException {
      return new ChainTranscriptionBackend(Primary.SERVES);
    }
  }

  /**
   * Two {@code /audio/transcriptions} servers, which find the uploaded audio in the multipart body,
   * and a chain of the two providers pointed at them. The chain keeps its default attempt timeout
   * (but for a first provider that hangs); it marks a provider unhealthy only after 100 failures in
   * a row, so that every call of the contract goes through the failover (health has its own tests
   * in {@link FallbackSttTest}).
   */
  static final class ChainTranscriptionBackend implements SttBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-contract-FAKE0123456789abcdefSECRET";

    private final Set<String> scripted = ConcurrentHashMap.newKeySet();
    private final ChainServers servers;
    private final FallbackStt chain;

    ChainTranscriptionBackend(Primary mode) throws IOException {
      servers = new ChainServers(mode, this::scriptOf, ChainTranscriptionBackend::error,
          w -> w.fixed(200, "application/json", transcript("the wrong provider heard this")));
      chain = FallbackStt.builder(List.of(
              OpenAiTranscription.builder().baseUrl(servers.firstUrl("/v1")).apiKey(KEY)
                  .retryPolicy(RetryPolicy.NONE).build(),
              OpenAiTranscription.builder().baseUrl(servers.secondUrl("/v1")).apiKey(KEY)
                  .retryPolicy(RetryPolicy.NONE).build()))
          .unhealthyAfter(100)
          .attemptTimeout(mode == Primary.HANGS_BEFORE_FIRST_BYTE ? ChainServers.HANG_TIMEOUT
              : FallbackStt.DEFAULT_ATTEMPT_TIMEOUT)
          .build();
    }

    private String scriptOf(Request request) {
      String body = request.bodyText();
      return scripted.stream().filter(body::contains).findFirst().orElse("");
    }

    private static String key(byte[] audio) {
      return new String(audio, StandardCharsets.US_ASCII);
    }

    private static String transcript(String text) {
      return JSON.createObjectNode().put("text", text).toString();
    }

    private static Reply error(int status, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("error").put("message", message).put("type", "contract_error");
      return w -> w.fixed(status, "application/json", body.toString());
    }

    @Override
    public SttProvider provider() {
      return chain;
    }

    @Override
    public String credential() {
      return KEY;
    }

    @Override
    public void hear(byte[] audio, String text) {
      scripted.add(key(audio));
      servers.serve(key(audio), w -> w.fixed(200, "application/json", transcript(text)));
    }

    @Override
    public void hearAfter(byte[] audio, String text, CountDownLatch release) {
      scripted.add(key(audio));
      servers.serve(key(audio), w -> {
        if (w.holdUntil(release)) {
          w.fixed(200, "application/json", transcript(text));
        }
      });
    }

    @Override
    public void fail(byte[] audio, int status, String message) {
      scripted.add(key(audio));
      servers.failEverywhere(key(audio), status, message);
    }

    @Override
    public boolean endlessResponse(byte[] audio) {
      scripted.add(key(audio));
      servers.everyProvider(key(audio), w -> {
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
      return servers.openConnections();
    }

    @Override
    public void close() throws IOException {
      chain.close();
      servers.close();
    }
  }
}
