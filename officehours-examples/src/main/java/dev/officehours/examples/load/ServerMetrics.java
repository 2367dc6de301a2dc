package dev.officehours.examples.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One scrape of the example server's {@code GET /chat/metrics} (see {@code docs/http-api.md}): the
 * server's own view of the turns the load tester drives, printed in the report beside what the
 * client measured. A field the server does not send reads as -1 (counts) or NaN (figures), so an
 * older or newer server still gives a report.
 *
 * @param mode {@code demo} or the server's provider mode, empty when not sent
 * @param uptimeSeconds how long the server has run, -1 when not sent
 * @param turns the server's turn counters, since it started
 * @param ttftMs time to first token, since the server started
 * @param ttfaMs time to first audio, since the server started
 * @param totalMs turn total, since the server started
 * @param recentWindowSeconds the span of the {@code recent} figures, -1 when not sent
 * @param recentTtftMs time to first token over the recent window
 * @param recentTtfaMs time to first audio over the recent window
 * @param recentTotalMs turn total over the recent window
 * @param ttsCache the TTS cache's counters, since the server started
 * @param answerCache the answer cache's counters
 * @param historyCache the history cache's counters
 * @param websocketConnections open WebSocket connections, -1 when not sent
 * @param sseConnections open SSE streams, -1 when not sent
 * @param jvm the server JVM's heap, CPU and threads
 * @param raw the whole document as the server sent it, for the JSON report
 */
public record ServerMetrics(String mode, long uptimeSeconds, Turns turns, Latency ttftMs, Latency ttfaMs,
    Latency totalMs, long recentWindowSeconds, Latency recentTtftMs, Latency recentTtfaMs, Latency recentTotalMs,
    Cache ttsCache, Cache answerCache, Cache historyCache, long websocketConnections, long sseConnections, Jvm jvm,
    Map<String, Object> raw) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Rejects nulls and copies the document.
   *
   * @param mode {@code demo} or the server's provider mode, empty when not sent
   * @param uptimeSeconds how long the server has run, -1 when not sent
   * @param turns the server's turn counters, since it started
   * @param ttftMs time to first token, since the server started
   * @param ttfaMs time to first audio, since the server started
   * @param totalMs turn total, since the server started
   * @param recentWindowSeconds the span of the {@code recent} figures, -1 when not sent
   * @param recentTtftMs time to first token over the recent window
   * @param recentTtfaMs time to first audio over the recent window
   * @param recentTotalMs turn total over the recent window
   * @param ttsCache the TTS cache's counters, since the server started
   * @param answerCache the answer cache's counters
   * @param historyCache the history cache's counters
   * @param websocketConnections open WebSocket connections, -1 when not sent
   * @param sseConnections open SSE streams, -1 when not sent
   * @param jvm the server JVM's heap, CPU and threads
   * @param raw the whole document as the server sent it
   */
  public ServerMetrics {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(turns, "turns");
    Objects.requireNonNull(ttftMs, "ttftMs");
    Objects.requireNonNull(ttfaMs, "ttfaMs");
    Objects.requireNonNull(totalMs, "totalMs");
    Objects.requireNonNull(recentTtftMs, "recentTtftMs");
    Objects.requireNonNull(recentTtfaMs, "recentTtfaMs");
    Objects.requireNonNull(recentTotalMs, "recentTotalMs");
    Objects.requireNonNull(ttsCache, "ttsCache");
    Objects.requireNonNull(answerCache, "answerCache");
    Objects.requireNonNull(historyCache, "historyCache");
    Objects.requireNonNull(jvm, "jvm");
    raw = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(raw));
  }

  /**
   * The server's turn counters.
   *
   * @param started turns started
   * @param completed turns completed
   * @param cancelled turns cancelled
   * @param failed turns failed
   * @param active turns in flight
   * @param errorRate the server's error rate, 0..1
   * @param errors failed turns by error code
   */
  public record Turns(long started, long completed, long cancelled, long failed, long active, double errorRate,
      Map<String, Long> errors) {
    /**
     * Copies the error counts.
     *
     * @param started turns started, -1 when not sent
     * @param completed turns completed, -1 when not sent
     * @param cancelled turns cancelled, -1 when not sent
     * @param failed turns failed, -1 when not sent
     * @param active turns in flight, -1 when not sent
     * @param errorRate failed over finished turns, 0..1; NaN when not sent
     * @param errors failed turns by error code
     */
    public Turns {
      errors = Map.copyOf(errors);
    }
  }

  /**
   * A latency distribution as the server reports it, in milliseconds.
   *
   * @param count values recorded
   * @param p50 median
   * @param p90 90th percentile
   * @param p99 99th percentile
   * @param max the largest value
   */
  public record Latency(long count, double p50, double p90, double p99, double max) {
    static final Latency NONE = new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }

  /**
   * A cache's counters.
   *
   * @param hits lookups served
   * @param misses lookups not served
   */
  public record Cache(long hits, long misses) {
    /**
     * The share of lookups the cache served.
     *
     * @return hits over lookups, 0..1; NaN when there were none (or a count was not sent)
     */
    public double hitRate() {
      long lookups = hits + misses;
      return lookups <= 0 ? Double.NaN : (double) hits / lookups;
    }

    /**
     * The lookups between two scrapes.
     *
     * @param before the earlier scrape's counters
     * @return these counters minus {@code before}'s; -1 where either was not sent
     */
    Cache since(Cache before) {
      return new Cache(diff(hits, before.hits), diff(misses, before.misses));
    }
  }

  /**
   * The server JVM.
   *
   * @param heapUsedBytes heap in use, -1 when not sent
   * @param heapMaxBytes the heap's limit, -1 when not sent
   * @param processCpuLoad the process's CPU load, 0..1 (of all cores), NaN when not sent
   * @param threads live threads, -1 when not sent
   */
  public record Jvm(long heapUsedBytes, long heapMaxBytes, double processCpuLoad, long threads) {}

  /**
   * Reads a {@code /chat/metrics} document.
   *
   * @param json the response body
   * @return the figures in it
   * @throws IllegalArgumentException when it is not a JSON object
   */
  static ServerMetrics parse(String json) {
    JsonNode root;
    Map<String, Object> raw;
    try {
      root = JSON.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("the server's metrics are not a JSON object");
      }
      raw = JSON.convertValue(root, new TypeReference<Map<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the server's metrics are not JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode t = root.path("turns");
    JsonNode latency = root.path("latency");
    JsonNode recent = root.path("recent");
    JsonNode caches = root.path("caches");
    JsonNode jvm = root.path("jvm");
    return new ServerMetrics(root.path("mode").asText(""), count(root.path("uptimeSeconds")),
        new Turns(count(t.path("started")), count(t.path("completed")), count(t.path("cancelled")),
            count(t.path("failed")), count(t.path("active")), figure(t.path("errorRate")), errorCounts(t.path("errors"))),
        latency(latency.path("ttftMs")), latency(latency.path("ttfaMs")), latency(latency.path("totalMs")),
        count(recent.path("windowSeconds")), latency(recent.path("ttftMs")), latency(recent.path("ttfaMs")),
        latency(recent.path("totalMs")), cache(caches.path("tts")), cache(caches.path("answer")),
        cache(caches.path("history")), count(root.path("connections").path("websocket")),
        count(root.path("connections").path("sse")),
        // the JVM says -1 when it cannot tell the CPU load
        new Jvm(count(jvm.path("heapUsedBytes")), count(jvm.path("heapMaxBytes")),
            figure(jvm.path("processCpuLoad")) >= 0 ? figure(jvm.path("processCpuLoad")) : Double.NaN,
            count(jvm.path("threads"))),
        raw);
  }

  private static Map<String, Long> errorCounts(JsonNode n) {
    Map<String, Long> m = new java.util.TreeMap<>();
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      if (e.getValue().isNumber()) {
        m.put(e.getKey(), e.getValue().asLong());
      }
    }
    return m;
  }

  private static Latency latency(JsonNode n) {
    if (!n.isObject()) {
      return Latency.NONE;
    }
    long count = count(n.path("count"));
    return new Latency(Math.max(0, count), figure(n.path("p50")), figure(n.path("p90")), figure(n.path("p99")),
        figure(n.path("max")));
  }

  private static Cache cache(JsonNode n) {
    return new Cache(count(n.path("hits")), count(n.path("misses")));
  }

  private static long count(JsonNode n) {
    return n.isNumber() ? n.asLong() : -1;
  }

  private static double figure(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  static long diff(long after, long before) {
    return after < 0 || before < 0 ? -1 : after - before;
  }
}
