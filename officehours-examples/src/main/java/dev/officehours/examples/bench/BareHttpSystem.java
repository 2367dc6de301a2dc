package dev.officehours.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeakableText;
import dev.officehours.text.SpeechChunker;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * (z) The bare-HTTP control, and (c) whole answer, then one TTS call.
 *
 * <p>(z) The bare-HTTP control: the least code that makes the same requests as OfficeHours and reads
 * the same bytes — a streamed chat completion read line by line, cut into the same pieces
 * ({@link Cutter}), each piece a streamed speech request, audio handed on in order. No history, no events, no metrics, no
 * limits, no cancellation. Its overhead is the floor any pipeline on OkHttp pays.
 *
 * <p>(c) The simplest voice pipeline: the same streamed chat completion read to its end, then the
 * whole answer in one streamed speech request.
 */
final class BareHttpSystem implements VoiceSystem {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  private final OkHttpClient client;
  private final String baseUrl;
  private final boolean wholeAnswer;

  private BareHttpSystem(String baseUrl, int concurrency, boolean wholeAnswer) {
    this.baseUrl = baseUrl;
    this.wholeAnswer = wholeAnswer;
    Dispatcher dispatcher = new Dispatcher(BenchSettings.httpThreads("bare-http"));
    dispatcher.setMaxRequests(100_000);
    dispatcher.setMaxRequestsPerHost(100_000);
    this.client = new OkHttpClient.Builder().dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(Math.max(20, concurrency * (1 + BenchSettings.TTS_IN_FLIGHT)), 5, TimeUnit.MINUTES))
        .readTimeout(60, TimeUnit.SECONDS).build();
  }


  static BareHttpSystem control(String baseUrl, int concurrency) {
    return new BareHttpSystem(baseUrl, concurrency, false);
  }

  static BareHttpSystem wholeAnswer(String baseUrl, int concurrency) {
    return new BareHttpSystem(baseUrl, concurrency, true);
  }

  @Override
  public String id() {
    return wholeAnswer ? "c" : "z";
  }

  @Override
  public String label() {
    return wholeAnswer ? "whole answer, then one streamed TTS call (OkHttp)"
        : "bare-HTTP control (OkHttp, the same requests and bytes, nothing else)";
  }

  @Override
  public void turn(String question, TurnProbe probe) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", BenchSettings.CHAT_MODEL);
    var messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", BenchSettings.SYSTEM_PROMPT);
    messages.addObject().put("role", "user").put("content", question);
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    Request request = new Request.Builder().url(baseUrl + "/chat/completions")
        .header("Authorization", "Bearer " + BenchSettings.API_KEY)
        .post(RequestBody.create(body.toString(), JSON_TYPE)).build();
    OrderedSpeech speech = new OrderedSpeech(client, baseUrl, probe);
    client.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        speech.fail(e);
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (response) {
          if (!response.isSuccessful()) {
            speech.fail(new IOException("chat: HTTP " + response.code()));
            return;
          }
          Cutter cutter = wholeAnswer ? null : new Cutter(speech::speak);
          StringBuilder whole = new StringBuilder();
          BufferedSource source = response.body().source();
          for (String line; (line = source.readUtf8Line()) != null; ) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
              continue;
            }
            JsonNode choices = JSON.readTree(line.substring(6)).path("choices");
            if (choices.isEmpty()) {
              continue;
            }
            String token = choices.get(0).path("delta").path("content").asText("");
            if (wholeAnswer) {
              whole.append(token);
              continue;
            }
            cutter.add(token);
          }
          if (wholeAnswer) {
            String text = whole.toString().trim();
            if (!text.isEmpty()) {
              speech.speak(text);
            }
          } else {
            cutter.flush();
          }
          speech.textDone();
        } catch (IOException | RuntimeException e) {
          speech.fail(e);
        }
      }
    });
  }

  /**
   * Where the control cuts an answer into speech requests: OfficeHours' own chunker with its default
   * settings and its speakable-text cleaning (pure functions of the text), so that the control
   * makes the requests OfficeHours makes for the simulator's plain-prose answers. (The pipeline
   * also flushes a chunk after 400 ms without tokens, which only a stalled stream reaches.) A
   * hand-written splitter cut one of the nine answers a token earlier (after "the"), which the
   * control's TTFA p99 gained from.
   */
  static final class Cutter {
    private final SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    private final Consumer<String> pieces;

    Cutter(Consumer<String> speak) {
      this.pieces = piece -> {
        String text = SpeakableText.clean(piece).trim();
        if (!text.isEmpty()) {
          speak.accept(text);
        }
      };
    }

    void add(String token) {
      chunker.append(token, pieces);
    }

    void flush() {
      chunker.flush(pieces);
    }
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdownNow();
    client.connectionPool().evictAll();
  }
}
