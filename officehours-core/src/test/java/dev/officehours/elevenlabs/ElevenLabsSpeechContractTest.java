package dev.officehours.elevenlabs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.testkit.LoopbackHttpServer;
import dev.officehours.testkit.LoopbackHttpServer.Request;
import dev.officehours.testkit.TtsBackend;
import dev.officehours.testkit.TtsProviderContract;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.TtsProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * {@link ElevenLabsSpeech} keeps the TTS provider contract, over loopback HTTP, against a server
 * that speaks ElevenLabs' {@code /stream/with-timestamps} wire format: one JSON object a line with
 * {@code audio_base64} and the {@code alignment} of the characters it speaks, errors as {@code
 * {"detail":{"status":…,"message":…}}}.
 */
class ElevenLabsSpeechContractTest extends TtsProviderContract {

  @Override
  protected TtsBackend startBackend() throws IOException {
    return new WithTimestampsBackend();
  }

  /**
   * A {@code /v1/text-to-speech/{voice}/stream/with-timestamps} server. It answers only the
   * request ElevenLabs documents (path, {@code output_format}, {@code xi-api-key}); anything else
   * gets the error ElevenLabs would send, so a provider that asks wrongly fails the contract.
   *
   * <p>The alignment is plausible: the text's words are spread over the pieces, each character
   * timed inside the audio of its piece (16-bit PCM at 24 kHz: 48,000 bytes a second), and each
   * message ends on a word with its space, as ElevenLabs cuts its text into chunks at spaces. A
   * stall or a break comes before the last word. Why no message ends inside a word: the provider
   * holds back the audio from the start of a word still being spelled until the word is complete
   * (documented, and tested in {@link ElevenLabsSpeechTest}), so such a message reaches the sink
   * as two buffers, while the contract counts buffers exactly where it checks that a cancel after
   * the end is a no-op.
   */
  static final class WithTimestampsBackend implements TtsBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk_contractFAKE0123456789abcdefSECRET";
    private static final String VOICE = "contractVoice01";
    private static final double BYTES_PER_SECOND = 24_000 * 2;

    private final LoopbackHttpServer server = LoopbackHttpServer.start();
    private final Map<String, LoopbackHttpServer.Reply> scripts = new ConcurrentHashMap<>();
    private final ElevenLabsSpeech provider;

    WithTimestampsBackend() throws IOException {
      server.handler(this::route);
      provider = ElevenLabsSpeech.builder().baseUrl(server.url("/")).apiKey(KEY).voice(VOICE)
          .format(AudioFormat.PCM_24K).retryPolicy(RetryPolicy.NONE).build();
    }

    private LoopbackHttpServer.Reply route(Request request) {
      String expected = "/v1/text-to-speech/" + VOICE + "/stream/with-timestamps?output_format=pcm_24000";
      if (!request.method().equals("POST") || !request.target().equals(expected)) {
        return error(404, "not_found", "no route " + request.method() + " " + request.target());
      }
      if (!KEY.equals(request.headers().get("xi-api-key"))) {
        return error(401, "invalid_api_key", "Invalid API key");
      }
      JsonNode body;
      try {
        body = JSON.readTree(request.body());
      } catch (IOException e) {
        return error(400, "invalid_json", "the body is not JSON");
      }
      return scripts.getOrDefault(body.path("text").asText(),
          error(500, "no_script", "no script for this text"));
    }

    private static LoopbackHttpServer.Reply error(int status, String code, String message) {
      ObjectNode body = JSON.createObjectNode();
      body.putObject("detail").put("status", code).put("message", message);
      return w -> w.fixed(status, "application/json", body.toString());
    }

    /**
     * The messages for {@code pieces} of the audio of {@code text}, aligned with its words; the
     * last word is spoken only when {@code whole}.
     */
    private static List<String> messages(String text, List<byte[]> pieces, boolean whole) {
      List<String> words = new ArrayList<>(List.of(text.split(" ")));
      if (!whole && !words.isEmpty()) {
        words.remove(words.size() - 1);
      }
      List<String> lines = new ArrayList<>();
      long offset = 0;
      int next = 0;
      for (int i = 0; i < pieces.size(); i++) {
        byte[] audio = pieces.get(i);
        int upTo = (int) ((long) words.size() * (i + 1) / pieces.size());
        List<String> chars = new ArrayList<>();
        for (; next < upTo; next++) {
          for (char c : (words.get(next) + " ").toCharArray()) {
            chars.add(String.valueOf(c));
          }
        }
        double from = offset / BYTES_PER_SECOND;
        double span = audio.length / BYTES_PER_SECOND;
        ObjectNode m = JSON.createObjectNode();
        m.put("audio_base64", Base64.getEncoder().encodeToString(audio));
        if (chars.isEmpty()) {
          m.putNull("alignment");
          m.putNull("normalized_alignment");
        } else {
          m.set("alignment", alignment(chars, from, span));
          m.set("normalized_alignment", alignment(chars, from, span));
        }
        lines.add(m + "\n");
        offset += audio.length;
      }
      return lines;
    }

    private static ObjectNode alignment(List<String> chars, double from, double span) {
      ObjectNode a = JSON.createObjectNode();
      ArrayNode cs = a.putArray("characters");
      ArrayNode starts = a.putArray("character_start_times_seconds");
      ArrayNode ends = a.putArray("character_end_times_seconds");
      double each = span / chars.size();
      for (int i = 0; i < chars.size(); i++) {
        cs.add(chars.get(i));
        starts.add(from + i * each);
        ends.add(from + (i + 1) * each);
      }
      return a;
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
      List<String> lines = messages(text, pieces, true);
      scripts.put(text, w -> {
        w.head(200, "application/json");
        for (String line : lines) {
          w.chunk(line);
        }
      });
    }

    @Override
    public void speakThenStall(String text, List<byte[]> pieces, CountDownLatch release) {
      List<String> lines = messages(text, pieces, false);
      scripts.put(text, w -> {
        w.head(200, "application/json");
        for (String line : lines) {
          w.chunk(line);
        }
        w.holdUntil(release);
      });
    }

    @Override
    public void cutOff(String text, List<byte[]> pieces) {
      List<String> lines = messages(text, pieces, false);
      scripts.put(text, w -> {
        w.head(200, "application/json");
        for (String line : lines) {
          w.chunk(line);
        }
        w.cutOff();
      });
    }

    @Override
    public void fail(String text, int status, String message) {
      String code = switch (status) {
        case 400 -> "invalid_request";
        case 401 -> "invalid_api_key";
        case 403 -> "missing_permissions";
        case 404 -> "voice_not_found";
        case 429 -> "too_many_concurrent_requests";
        default -> "server_error";
      };
      scripts.put(text, error(status, code, message));
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
