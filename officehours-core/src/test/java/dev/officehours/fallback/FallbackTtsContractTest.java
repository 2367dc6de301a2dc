package dev.officehours.fallback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.fallback.ChainServers.Primary;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.testkit.LoopbackHttpServer.Reply;
import dev.officehours.testkit.TtsBackend;
import dev.officehours.testkit.TtsProviderContract;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.TtsProvider;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Nested;

/**
 * A {@link FallbackTts} is a {@link TtsProvider} like any other: it keeps the same contract,
 * whichever of its providers serves, and so does the per-turn view the pipeline speaks through
 * ({@link FallbackTts#forTurn()}). Each run is a chain of two real {@link OpenAiSpeech}es over
 * loopback HTTP.
 */
class FallbackTtsContractTest {

  /** The first provider fails before its first byte on every synthesis; the second serves. */
  @Nested
  class WhenTheFirstProviderFailsBeforeItsFirstByte extends TtsProviderContract {
    @Override
    protected TtsBackend startBackend() throws IOException {
      return new ChainSpeechBackend(Primary.FAILS_BEFORE_FIRST_BYTE, false);
    }
  }

  /**
   * The first provider hangs before its first byte on every call: the chain moves on after its
   * attempt timeout, closing that connection, and the second serves.
   */
  @Nested
  class WhenTheFirstProviderHangsBeforeItsFirstByte extends TtsProviderContract {
    @Override
    protected TtsBackend startBackend() throws IOException {
      return new ChainSpeechBackend(Primary.HANGS_BEFORE_FIRST_BYTE, false);
    }
  }

  /** Nothing listens at the first provider's address; the second serves. */
  @Nested
  class WhenTheFirstProviderIsDown extends TtsProviderContract {
    @Override
    protected TtsBackend startBackend() throws IOException {
      return new ChainSpeechBackend(Primary.REFUSES_CONNECTIONS, false);
    }
  }

  /** The first provider serves; the chain must not move on, and a failure of both is reported. */
  @Nested
  class WhenTheFirstProviderServes extends TtsProviderContract {
    @Override
    protected TtsBackend startBackend() throws IOException {
      return new ChainSpeechBackend(Primary.SERVES, false);
    }
  }

  /**
   * One turn's view of the chain, as the pipeline uses it: the first synthesis fails over and
   * pins the turn to the second provider, and every later one of the contract runs on it.
   */
  @Nested
  class ThroughATurnViewWhenTheFirstProviderFails extends TtsProviderContract {
    @Override
    protected TtsBackend startBackend() throws IOException {
      return new ChainSpeechBackend(Primary.FAILS_BEFORE_FIRST_BYTE, true);
    }
  }

  /**
   * Two {@code /audio/speech} servers streaming raw PCM, and a chain of the two providers (each
   * with its own voice) pointed at them. The chain keeps its default attempt timeout (but for a
   * first provider that hangs); it marks a provider unhealthy only after 100 failures in a row, so
   * that every synthesis of the contract goes through the failover (health has its own tests in
   * {@link FallbackTtsTest}).
   */
  static final class ChainSpeechBackend implements TtsBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-contract-FAKE0123456789abcdefSECRET";

    private final ChainServers servers;
    private final FallbackTts chain;
    private final TtsProvider provider;

    ChainSpeechBackend(Primary mode, boolean turnView) throws IOException {
      byte[] other = new byte[480];
      Arrays.fill(other, (byte) 0x5a);
      servers = new ChainServers(mode, r -> input(r.bodyText()), ChainSpeechBackend::error,
          w -> {
            w.head(200, "audio/pcm");
            w.chunk(other);
          });
      chain = FallbackTts.builder(List.of(
              OpenAiSpeech.builder().baseUrl(servers.firstUrl("/v1")).apiKey(KEY).voice("alloy")
                  .format(AudioFormat.PCM_24K).retryPolicy(RetryPolicy.NONE).build(),
              OpenAiSpeech.builder().baseUrl(servers.secondUrl("/v1")).apiKey(KEY).voice("nova")
                  .format(AudioFormat.PCM_24K).retryPolicy(RetryPolicy.NONE).build()))
          .unhealthyAfter(100)
          .attemptTimeout(mode == Primary.HANGS_BEFORE_FIRST_BYTE ? ChainServers.HANG_TIMEOUT
              : FallbackTts.DEFAULT_ATTEMPT_TIMEOUT)
          .build();
      provider = turnView ? chain.forTurn() : chain;
      if (turnView) {
        servers.pinsAfterFirstServed();
      }
    }

    private static String input(String body) {
      try {
        return JSON.readTree(body).path("input").asText();
      } catch (IOException e) {
        return "";
      }
    }

    private static Reply error(int status, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("error").put("message", message).put("type", "contract_error");
      return w -> w.fixed(status, "application/json", body.toString());
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
      servers.serve(text, w -> {
        w.head(200, "audio/pcm");
        for (byte[] p : pieces) {
          w.chunk(p);
        }
      });
    }

    @Override
    public void speakThenStall(String text, List<byte[]> pieces, CountDownLatch release) {
      servers.serve(text, w -> {
        w.head(200, "audio/pcm");
        for (byte[] p : pieces) {
          w.chunk(p);
        }
        w.holdUntil(release);
      });
    }

    @Override
    public void cutOff(String text, List<byte[]> pieces) {
      servers.serve(text, w -> {
        w.head(200, "audio/pcm");
        for (byte[] p : pieces) {
          w.chunk(p);
        }
        w.cutOff();
      });
    }

    @Override
    public void fail(String text, int status, String message) {
      servers.failEverywhere(text, status, message);
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
