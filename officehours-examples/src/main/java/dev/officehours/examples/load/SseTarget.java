package dev.officehours.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Drives the example server's Server-Sent Events endpoint ({@code POST /chat/stream}, see
 * {@code docs/http-api.md}) as a simple HTTP client would: one request per turn, over kept-alive
 * connections, measured by its events — TTFT at the first {@code text}, TTFA at the first
 * {@code audio}, the total at {@code turn-complete}.
 *
 * <p>Failures are counted by code: a refused request's JSON {@code error.code} (e.g.
 * {@code rate_limited}) or {@code http_<status>}, an {@code error} event's {@code code},
 * {@code connection_refused} when nothing listens, {@code connection_closed} when the stream ends
 * without a terminal event, and {@code client_timeout} past the client's deadline.
 *
 * <p>{@link #send} returns at once; OkHttp reads each stream on a dispatcher thread (its response
 * bodies are read blocking), so a run holds one such thread per turn in flight.
 */
public final class SseTarget implements LoadTarget {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  private final URI endpoint;
  private final Duration turnTimeout;
  private final OkHttpClient http;
  private final MetricsScraper metrics;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong unfinishedStreams = new AtomicLong();
  private volatile boolean closed;

  /**
   * A target that sends each turn as one {@code POST} to the server's SSE endpoint.
   *
   * @param url the endpoint, {@code http://host:port/chat/stream} or {@code https://...}; the path
   *     defaults to {@code /chat/stream}
   * @param turnTimeout how long the client waits for a turn (the whole stream) before counting it
   *     as {@code client_timeout}
   * @throws IllegalArgumentException naming the URL or the timeout when either is unusable
   */
  public SseTarget(String url, Duration turnTimeout) {
    this.endpoint = ServerTargets.endpoint(Objects.requireNonNull(url, "url"), Set.of("http", "https"),
        "/chat/stream");
    this.turnTimeout = ServerTargets.positive(turnTimeout);
    OkHttpClient base = ServerTargets.http(Duration.ofSeconds(10));
    this.http = base.newBuilder().callTimeout(turnTimeout).readTimeout(turnTimeout).build();
    this.metrics = new MetricsScraper(base, ServerTargets.metricsUrl(endpoint));
  }

  /**
   * Where the turns go.
   *
   * @return the endpoint driven, with its path
   */
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public String describe() {
    return "the example server over SSE at POST " + endpoint + " (one request per turn on kept-alive connections; "
        + "the server's own providers and caches; client deadline " + turnTimeout.toSeconds() + " s per turn)";
  }

  @Override
  public Optional<MetricsScraper> serverMetrics() {
    return Optional.of(metrics);
  }

  @Override
  public Map<String, Object> stats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("streamRequests", requests.get());
    m.put("requestsRefusedBeforeTheStream", refused.get());
    m.put("streamsEndedWithoutATerminalEvent", unfinishedStreams.get());
    return m;
  }

  @Override
  public CompletionStage<TurnSample> send(String sessionId, String question) {
    TurnRecorder turn = new TurnRecorder(System.nanoTime());
    if (closed) {
      turn.fail("target_closed", "the load-test target is closed", System.nanoTime());
      return turn.done;
    }
    ObjectNode body = ServerTargets.JSON.createObjectNode();
    body.put("session", sessionId).put("text", question);
    Request request = new Request.Builder().url(endpoint.toString())
        .header("Accept", "text/event-stream")
        .post(RequestBody.create(body.toString(), JSON_TYPE))
        .build();
    requests.incrementAndGet();
    http.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        turn.fail(ServerTargets.ioErrorCode(e), String.valueOf(e), System.nanoTime());
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (response) {
          read(turn, response);
        } catch (IOException e) {
          turn.fail(ServerTargets.ioErrorCode(e), String.valueOf(e), System.nanoTime());
        } catch (RuntimeException e) {
          turn.fail("bad_stream", String.valueOf(e), System.nanoTime());
        }
      }
    });
    return turn.done;
  }

  private void read(TurnRecorder turn, Response response) throws IOException {
    ResponseBody body = response.body();
    if (!response.isSuccessful()) {
      refused.incrementAndGet();
      String[] error = ServerTargets.httpError(response.code(), ServerTargets.errorBody(body));
      turn.fail(error[0], error[1], System.nanoTime());
      return;
    }
    BufferedSource source = body.source();
    String event = "message";
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = source.readUtf8Line()) != null) {
      if (line.isEmpty()) {
        if (data.length() > 0 && dispatch(turn, event, data.toString())) {
          return;
        }
        event = "message";
        data.setLength(0);
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(": ", colon) ? 2 : 1));
      if (field.equals("event")) {
        event = value;
      } else if (field.equals("data")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        data.append(value);
      }
    }
    if (data.length() > 0 && dispatch(turn, event, data.toString())) {
      return;
    }
    unfinishedStreams.incrementAndGet();
    turn.fail("connection_closed", "the stream ended without turn-complete or error", System.nanoTime());
  }

  /** Handles one event; true when it ended the turn. */
  private static boolean dispatch(TurnRecorder turn, String event, String data) throws IOException {
    long now = System.nanoTime();
    JsonNode m = ServerTargets.JSON.readTree(data);
    switch (event) {
      case "turn-started" -> turn.turnStarted(m.path("turnId").asText(""), now);
      case "text" -> turn.text(now);
      case "audio-start" -> turn.chunkAnnounced(m.path("chunkIndex").asInt(-1), m.path("encoding").asText(""),
          m.path("sampleRate").asInt(0), m.path("channels").asInt(1), m.path("fromCache").asBoolean(false));
      case "audio" -> {
        turn.audio(m.path("chunkIndex").asInt(-1), base64Bytes(m.path("data").asText("")), now);
        turn.format(m.path("encoding").asText(""), m.path("sampleRate").asInt(0), m.path("channels").asInt(1));
      }
      case "turn-complete" -> {
        turn.complete(m, now);
        return true;
      }
      case "turn-cancelled" -> {
        turn.fail("cancelled_" + m.path("reason").asText("unknown"), "the server cancelled the turn", now);
        return true;
      }
      case "error" -> {
        JsonNode e = m.has("error") ? m.path("error") : m;
        turn.fail(e.path("code").asText("error"), e.path("message").asText(""), now);
        return true;
      }
      default -> {
        // a newer server's events: nothing to measure
      }
    }
    return false;
  }

  /** The decoded size of base64 text, without decoding it: the load generator has better uses for its CPU. */
  static long base64Bytes(String b64) {
    int n = b64.length();
    int padding = 0;
    while (padding < 2 && n - padding > 0 && b64.charAt(n - padding - 1) == '=') {
      padding++;
    }
    return (long) n * 3 / 4 - padding;
  }

  @Override
  public void close() {
    closed = true;
    http.dispatcher().cancelAll();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
