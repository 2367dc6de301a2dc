package dev.officehours.examples.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The outcome of a load test: counts, rates, latency percentiles, errors by code, cache hit
 * rates, the regression gate's verdict and recommendations drawn from the figures. Renders as
 * Markdown (for people) and JSON (for tools).
 */
public final class LoadReport {
  private final Settings settings;
  private final Instant startedAt;
  private final Duration elapsed;
  private final long sent;
  private final long completed;
  private final long failed;
  private final long late;
  private final long chunks;
  private final long speechFailures;
  private final long ttsCacheHits;
  private final long answerCacheHits;
  private final long audioBytes;
  private final Map<String, Long> errors;
  private final Map<String, String> errorExamples;
  private final Percentiles ttft;
  private final Percentiles ttfa;
  private final Percentiles total;
  private final Percentiles gaps;
  private final Percentiles bytesPerTurn;
  private final Percentiles serverTtfa;
  private final Percentiles ttfaOverServer;
  private final Percentiles ttftOverServer;
  private final Percentiles accepted;
  private final Map<String, Object> targetStats;
  private final ServerObservation server;
  private final List<GateResult> gate;
  private final List<String> recommendations;

  /**
   * What was run, for the report and its recommendations.
   *
   * @param mode the load model in words, e.g. {@code closed: 100 clients x 5 requests}
   * @param target what was under test
   * @param repeatRatio the share of questions repeated word for word
   * @param ttsCache whether a TTS cache was enabled
   * @param answerCache whether an answer cache was enabled
   * @param retries provider retries per call
   * @param ttsConcurrency syntheses in flight per turn
   * @param remote whether the target is a server whose pipeline settings (caches, retries, TTS
   *     concurrency) are its own, not the four above
   */
  public record Settings(String mode, String target, double repeatRatio, boolean ttsCache, boolean answerCache,
      int retries, int ttsConcurrency, boolean remote) {
    /**
     * Rejects nulls.
     *
     * @param mode the load model in words
     * @param target what was under test
     * @param repeatRatio the share of questions repeated word for word, 0..1
     * @param ttsCache whether a TTS cache was enabled
     * @param answerCache whether an answer cache was enabled
     * @param retries provider retries per call
     * @param ttsConcurrency syntheses in flight per turn
     * @param remote whether the target is a server with pipeline settings of its own
     */
    public Settings {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(target, "target");
    }

    /**
     * The settings of a target in this process, whose pipeline settings the tester chose.
     *
     * @param mode the load model in words
     * @param target what was under test
     * @param repeatRatio the share of questions repeated word for word
     * @param ttsCache whether a TTS cache was enabled
     * @param answerCache whether an answer cache was enabled
     * @param retries provider retries per call
     * @param ttsConcurrency syntheses in flight per turn
     */
    public Settings(String mode, String target, double repeatRatio, boolean ttsCache, boolean answerCache,
        int retries, int ttsConcurrency) {
      this(mode, target, repeatRatio, ttsCache, answerCache, retries, ttsConcurrency, false);
    }

    /**
     * The settings of a server target: its pipeline settings are the server's.
     *
     * @param mode the load model in words
     * @param target what was under test
     * @param repeatRatio the share of questions repeated word for word
     * @return the settings
     */
    public static Settings remote(String mode, String target, double repeatRatio) {
      return new Settings(mode, target, repeatRatio, false, false, 0, 0, true);
    }
  }

  /**
   * A latency (or size) distribution.
   *
   * @param count values recorded
   * @param p50 median
   * @param p90 90th percentile
   * @param p95 95th percentile
   * @param p99 99th percentile
   * @param p999 99.9th percentile
   * @param max the largest value
   */
  public record Percentiles(long count, double p50, double p90, double p95, double p99, double p999, double max) {
    static Percentiles of(Histogram h, double divisor) {
      if (h.getTotalCount() == 0) {
        return new Percentiles(0, 0, 0, 0, 0, 0, 0);
      }
      return new Percentiles(h.getTotalCount(), h.getValueAtPercentile(50) / divisor,
          h.getValueAtPercentile(90) / divisor, h.getValueAtPercentile(95) / divisor,
          h.getValueAtPercentile(99) / divisor, h.getValueAtPercentile(99.9) / divisor, h.getMaxValue() / divisor);
    }

    /**
     * Whether each percentile is at least the one before it, as in any true distribution.
     *
     * @return true when p50 &lt;= p90 &lt;= p95 &lt;= p99 &lt;= p99.9 &lt;= max
     */
    public boolean monotonic() {
      return p50 <= p90 && p90 <= p95 && p95 <= p99 && p99 <= p999 && p999 <= max;
    }
  }

  /** What the regression gate can check. */
  public enum GateMetric {
    /** p99 time to first audio, ms. */
    P99_TTFA("p99 TTFA", "ms"),
    /** p99 time to first token, ms. */
    P99_TTFT("p99 TTFT", "ms"),
    /** p99 turn total, ms. */
    P99_TOTAL("p99 total", "ms"),
    /** p99 inter-chunk gap, ms. */
    P99_GAP("p99 inter-chunk gap", "ms"),
    /** Failed turns over finished turns, in percent. */
    ERROR_RATE("error rate", "%");

    private final String label;
    private final String unit;

    GateMetric(String label, String unit) {
      this.label = label;
      this.unit = unit;
    }

    /** The measured value, or NaN when there is nothing to measure (no samples, no finished turn). */
    double actual(LoadReport r) {
      long count = switch (this) {
        case P99_TTFA -> r.ttfa.count();
        case P99_TTFT -> r.ttft.count();
        case P99_TOTAL -> r.total.count();
        case P99_GAP -> r.gaps.count();
        case ERROR_RATE -> r.completed + r.failed;
      };
      if (count == 0) {
        return Double.NaN;
      }
      return switch (this) {
        case P99_TTFA -> r.ttfa.p99();
        case P99_TTFT -> r.ttft.p99();
        case P99_TOTAL -> r.total.p99();
        case P99_GAP -> r.gaps.p99();
        case ERROR_RATE -> 100 * r.errorRate();
      };
    }
  }

  /**
   * One limit of the regression gate.
   *
   * @param metric what is checked
   * @param limit the largest acceptable value, in the metric's unit (ms, or percent)
   */
  public record GateCheck(GateMetric metric, double limit) {}

  /**
   * A checked limit.
   *
   * @param metric what was checked
   * @param limit the largest acceptable value
   * @param actual the measured value, NaN when there was no data (see {@link #noData()})
   * @param passed whether {@code actual <= limit}; false when there was no data
   */
  public record GateResult(GateMetric metric, double limit, double actual, boolean passed) {
    /**
     * Whether nothing was measured (e.g. every turn failed, so no latency was recorded). Such a
     * check fails: a gate must not pass on the absence of evidence.
     *
     * @return true when {@link #actual()} is NaN
     */
    public boolean noData() {
      return Double.isNaN(actual);
    }
  }

  LoadReport(Settings settings, LoadStats s, Instant startedAt, Duration elapsed, Map<String, Object> targetStats,
      List<GateCheck> checks) {
    this(settings, s, startedAt, elapsed, targetStats, checks, null);
  }

  LoadReport(Settings settings, LoadStats s, Instant startedAt, Duration elapsed, Map<String, Object> targetStats,
      List<GateCheck> checks, ServerObservation server) {
    this.settings = settings;
    this.server = server;
    this.startedAt = startedAt;
    this.elapsed = elapsed;
    this.sent = s.sent.sum();
    this.completed = s.completed.sum();
    this.failed = s.failed.sum();
    this.late = s.late.sum();
    this.chunks = s.chunks.sum();
    this.speechFailures = s.speechFailures.sum();
    this.ttsCacheHits = s.ttsCacheHits.sum();
    this.answerCacheHits = s.answerCacheHits.sum();
    this.audioBytes = s.bytes.sum();
    this.errors = s.errorCounts();
    this.errorExamples = s.errorExamples();
    this.ttft = Percentiles.of(s.ttft, 1000.0);
    this.ttfa = Percentiles.of(s.ttfa, 1000.0);
    this.total = Percentiles.of(s.total, 1000.0);
    this.gaps = Percentiles.of(s.gaps, 1000.0);
    this.bytesPerTurn = Percentiles.of(s.audioBytes, 1.0);
    this.serverTtfa = Percentiles.of(s.serverTtfa, 1000.0);
    this.ttfaOverServer = Percentiles.of(s.ttfaOverServer, 1000.0);
    this.ttftOverServer = Percentiles.of(s.ttftOverServer, 1000.0);
    this.accepted = Percentiles.of(s.accepted, 1000.0);
    this.targetStats = new LinkedHashMap<>(targetStats);
    List<GateResult> results = new ArrayList<>();
    for (GateCheck c : checks) {
      double actual = c.metric().actual(this);
      // NaN (no data) compares false: a check without samples fails
      results.add(new GateResult(c.metric(), c.limit(), actual, actual <= c.limit()));
    }
    this.gate = List.copyOf(results);
    this.recommendations = List.copyOf(recommend());
  }

  /**
   * Turns sent.
   *
   * @return the turns sent to the target
   */
  public long sent() {
    return sent;
  }

  /**
   * Turns completed.
   *
   * @return the turns that completed
   */
  public long completed() {
    return completed;
  }

  /**
   * Turns failed.
   *
   * @return the turns that failed, by any error
   */
  public long failed() {
    return failed;
  }

  /**
   * Failed turns by error code.
   *
   * @return failed turns by error code, e.g. {@code rate_limit_exceeded} to 9; empty when none failed
   */
  public Map<String, Long> errors() {
    return Map.copyOf(errors);
  }

  /**
   * For each error code, the message of one turn that failed with it.
   *
   * @return for each code in {@link #errors()}, the message of one turn that failed with it
   */
  public Map<String, String> errorExamples() {
    return Map.copyOf(errorExamples);
  }

  /**
   * What the server under test reported about itself, for a server target whose metrics could be scraped.
   *
   * @return what the server under test reported about itself; empty for a target in this process or when its metrics were not scraped
   */
  public Optional<ServerObservation> server() {
    return Optional.ofNullable(server);
  }

  /**
   * Failed over finished turns, 0..1.
   *
   * @return failed over finished turns, 0..1; 0 when none finished
   */
  public double errorRate() {
    long finished = completed + failed;
    return finished == 0 ? 0 : (double) failed / finished;
  }

  /**
   * Finished turns per second of wall time.
   *
   * @return finished turns per second of the run's wall time
   */
  public double turnsPerSecond() {
    double s = elapsed.toNanos() / 1e9;
    return s <= 0 ? 0 : (completed + failed) / s;
  }

  /**
   * Time to first token.
   *
   * @return time to first token of the completed turns, in milliseconds from each turn's intended send time
   */
  public Percentiles ttft() {
    return ttft;
  }

  /**
   * Time to first audio.
   *
   * @return time to first audio of the completed turns, in milliseconds from each turn's intended send time
   */
  public Percentiles ttfa() {
    return ttfa;
  }

  /**
   * Turn total.
   *
   * @return the whole turn of the completed turns, in milliseconds from each turn's intended send time
   */
  public Percentiles total() {
    return total;
  }

  /**
   * Inter-chunk gaps.
   *
   * @return the silences between chunks a listener hears, in milliseconds, one value per chunk after the first (see {@link TurnSample#interChunkGapsNanos()})
   */
  public Percentiles gaps() {
    return gaps;
  }

  /**
   * Time to first audio as the server measured each turn (its {@code turn-complete} metrics).
   *
   * @return time to first audio as the server measured each turn (its {@code turn-complete} metrics), in milliseconds; no values for a target in this process
   */
  public Percentiles serverTtfa() {
    return serverTtfa;
  }

  /**
   * Per turn, the client's time to first audio (from its real send) minus the server's own: what
   * the server's handling, the connection and the client add to the pipeline's TTFA.
   *
   * @return the differences in milliseconds; no values for a target in this process
   */
  public Percentiles ttfaOverServer() {
    return ttfaOverServer;
  }

  /**
   * Per turn, from the client's send to the server's {@code turn-started} (the start's round trip).
   *
   * @return per turn, the time from the client's send to the server's {@code turn-started} (the start's round trip), in milliseconds; no values for a target in this process
   */
  public Percentiles accepted() {
    return accepted;
  }

  /**
   * Per turn, the client's time to first token minus the server's own.
   *
   * @return per turn, the client's time to first token minus the server's own, in milliseconds; no values for a target in this process
   */
  public Percentiles ttftOverServer() {
    return ttftOverServer;
  }

  /**
   * Audio bytes per completed turn.
   *
   * @return audio bytes received per completed turn
   */
  public Percentiles bytesPerTurn() {
    return bytesPerTurn;
  }

  /**
   * Chunks of completed turns whose speech failed (the rest of their turn was heard).
   *
   * @return chunks of completed turns whose speech failed (the rest of their turn was heard)
   */
  public long speechFailures() {
    return speechFailures;
  }

  /**
   * Share of speech chunks served from the TTS cache, 0..1.
   *
   * @return the share of speech chunks served from the TTS cache, 0..1
   */
  public double ttsCacheHitRate() {
    return chunks == 0 ? 0 : (double) ttsCacheHits / chunks;
  }

  /**
   * Share of completed turns answered from the answer cache, 0..1.
   *
   * @return the share of completed turns answered from the answer cache, 0..1
   */
  public double answerCacheHitRate() {
    return completed == 0 ? 0 : (double) answerCacheHits / completed;
  }

  /**
   * The regression gate's checks.
   *
   * @return the regression gate's checks, in the order given; empty when there was no gate
   */
  public List<GateResult> gate() {
    return gate;
  }

  /**
   * Whether every gate check passed (true when there were none).
   *
   * @return whether every gate check passed; true when there were none
   */
  public boolean gatePassed() {
    return gate.stream().allMatch(GateResult::passed);
  }

  /**
   * Advice drawn from the figures.
   *
   * @return advice drawn from the figures, one sentence or more each; just "Nothing to fix at this load." when there is none
   */
  public List<String> recommendations() {
    return recommendations;
  }

  private List<String> recommend() {
    List<String> out = new ArrayList<>();
    if (errors.containsKey("rate_limited")) {
      out.add("The server refused " + count(errors.get("rate_limited"), "turn") + " with rate_limited: its "
          + "per-client rate limit is on (30 turn starts a minute by default), so this measured the limiter, not the "
          + "server. Start it with `serve --rate-limit off` for load tests.");
    }
    // a refused WebSocket upgrade may come without its JSON body: its bare 429 is the same limit
    long tooMany = errors.getOrDefault("too_many_connections", 0L)
        + (settings.remote() ? errors.getOrDefault("http_429", 0L) : 0L);
    if (tooMany > 0) {
      out.add("The server refused the connections of " + count(tooMany, "turn") + " with too_many_connections (or "
          + "a bare HTTP 429): it limits the sockets of one client address (32 by default), and every load-test "
          + "client comes from this one. Start it with `serve --max-connections-per-client off` for load tests.");
    }
    if (errors.containsKey("connection_refused")) {
      out.add(String.format(Locale.ROOT, "%s found nothing listening (connection_refused): start the server "
          + "(`java -jar officehours-examples/target/officehours-examples.jar serve --rate-limit off "
          + "--max-connections-per-client off`) or check "
          + "--target.", count(errors.get("connection_refused"), "turn")));
    }
    if (failed > 0) {
      String codes = "(" + byCode(errors) + ")";
      String advice = errors.containsKey("rate_limit_exceeded")
          ? " Rate limited: lower the concurrency or raise the provider's limit."
          : "";
      advice += settings.retries() == 0 && !settings.remote()
          ? " Retries were off (--retries 0): the default policy retries 429 and 5xx once before the first token."
          : "";
      out.add(String.format(Locale.ROOT, "%.1f %% of turns failed %s.%s", 100 * errorRate(), codes, advice));
    }
    if (speechFailures > 0) {
      out.add("Speech failed for " + count(speechFailures, "chunk") + " of completed turns: listeners missed part "
          + "of those answers. Check the TTS provider's errors; retries (--retries) cover transient ones.");
    }
    if (ttfa.count() > 0) {
      double ttsPart = ttfa.p99() - ttft.p99();
      if (ttsPart > ttft.p99()) {
        out.add(String.format(Locale.ROOT,
            "p99 TTFA (%.0f ms) is dominated by the TTS time to first byte (%.0f ms after the first token): %s",
            ttfa.p99(), ttsPart, settings.remote()
                ? "the TTS cache served " + pct(ttsCacheHitRate()) + " of chunks; give the server a TTS cache, keep "
                    + "the first chunk short (chunker) or pick a faster TTS model"
                : settings.ttsCache()
                ? "the TTS cache is on but hits only " + pct(ttsCacheHitRate())
                    + " of chunks; make the first sentence shorter (chunker) or pick a faster TTS model"
                : "enable the TTS cache and keep the first chunk short (chunker settings)"));
      } else {
        out.add(String.format(Locale.ROOT,
            "p99 TTFA (%.0f ms) is dominated by the LLM time to first token (p99 %.0f ms): %s",
            ttfa.p99(), ttft.p99(), settings.answerCache() || settings.remote() && answerCacheHits > 0
                ? "use a faster model or region; the answer cache serves " + pct(answerCacheHitRate()) + " of turns"
                : "use a faster model or region, or enable the answer cache for repeated questions"));
      }
      if (ttfa.p50() > 0 && ttfa.p99() > 3 * ttfa.p50()) {
        out.add(String.format(Locale.ROOT,
            "Long tail: p99 TTFA is %.1fx the median; turns queue somewhere (provider concurrency limits, "
                + "connection pool, CPU): lower the load or raise the providers' limits.", ttfa.p99() / ttfa.p50()));
      }
    }
    if (gaps.count() > 0 && gaps.p95() > 0) {
      out.add(String.format(Locale.ROOT,
          "Listeners hear gaps between chunks (p95 %.0f ms, p99 %.0f ms): raise ttsConcurrency (%s) so later "
              + "chunks are synthesised ahead, or use a TTS that streams faster than real time.",
          gaps.p95(), gaps.p99(), settings.remote() ? "the server pipeline's" : "now " + settings.ttsConcurrency()));
    }
    if (settings.repeatRatio() > 0 && completed > 0 && answerCacheHits == 0) {
      out.add(String.format(Locale.ROOT,
          "%.0f %% of questions repeated word for word but no answer came from a cache: enable the %sanswer cache.",
          100 * settings.repeatRatio(), settings.remote() ? "server's " : ""));
    }
    if (server != null && server.peakHeapUsedBytes() > 0 && server.after() != null
        && server.after().jvm().heapMaxBytes() > 0
        && server.peakHeapUsedBytes() > 0.9 * server.after().jvm().heapMaxBytes()) {
      out.add(String.format(Locale.ROOT, "The server's heap peaked at %.0f MB of its %.0f MB limit: give it more "
          + "(-Xmx) or lower the load before it spends its time collecting garbage.",
          server.peakHeapUsedBytes() / 1048576.0, server.after().jvm().heapMaxBytes() / 1048576.0));
    }
    if (late > 0) {
      out.add(count(late, "turn") + (late == 1 ? " was" : " were") + " sent more than 10 ms after "
          + "its scheduled time; the wait is counted in the latency (no coordinated omission), but the load "
          + "generator itself may be saturated.");
    }
    if (!gatePassed()) {
      for (GateResult g : gate) {
        if (!g.passed()) {
          out.add(g.noData()
              ? String.format(Locale.ROOT, "Gate breached: %s has no data (no turn produced it), limit %.1f %s.",
                  g.metric().label, g.limit(), g.metric().unit)
              : String.format(Locale.ROOT, "Gate breached: %s is %.1f %s, limit %.1f %s.",
                  g.metric().label, g.actual(), g.metric().unit, g.limit(), g.metric().unit));
        }
      }
    }
    if (out.isEmpty()) {
      out.add("Nothing to fix at this load.");
    }
    return out;
  }

  /**
   * The summary and percentile tables: what to paste into a note.
   *
   * @return the summary and percentile tables in Markdown: what to paste into a note
   */
  public String headlineMarkdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| turns | completed | failed | error rate | turns/s | TTS cache hits | answer cache hits |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %.2f %% | %.1f | %s | %s |%n%n", sent, completed, failed,
        100 * errorRate(), turnsPerSecond(), pct(ttsCacheHitRate()), pct(answerCacheHitRate())));
    sb.append("| ms | count | p50 | p90 | p95 | p99 | p99.9 | max |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    row(sb, "TTFT", ttft);
    row(sb, "TTFA", ttfa);
    row(sb, "total", total);
    row(sb, "inter-chunk gap", gaps);
    if (serverTtfa.count() > 0) {
      row(sb, "TTFA as the server measured it", serverTtfa);
      row(sb, "TTFA, client minus server, per turn", ttfaOverServer);
      row(sb, "TTFT, client minus server, per turn", ttftOverServer);
      row(sb, "send to turn-started", accepted);
    }
    return sb.toString();
  }

  /**
   * The whole report as Markdown.
   *
   * @return the whole report in Markdown, as {@code loadtest} prints it
   */
  public String markdown() {
    StringBuilder sb = new StringBuilder("# OfficeHours load test\n\n");
    sb.append("- Target: ").append(settings.target()).append('\n');
    sb.append("- Load: ").append(settings.mode()).append('\n');
    if (settings.remote()) {
      sb.append(String.format(Locale.ROOT, "- Started %s, took %.1f s; question repeat ratio %.0f %%; caches, "
          + "retries and TTS concurrency are the server's own%n%n", startedAt, elapsed.toNanos() / 1e9,
          100 * settings.repeatRatio()));
    } else {
      sb.append(String.format(Locale.ROOT, "- Started %s, took %.1f s; question repeat ratio %.0f %%; retries %d; "
          + "TTS concurrency %d; TTS cache %s; answer cache %s%n%n", startedAt, elapsed.toNanos() / 1e9,
          100 * settings.repeatRatio(), settings.retries(), settings.ttsConcurrency(), onOff(settings.ttsCache()),
          onOff(settings.answerCache())));
    }
    sb.append(headlineMarkdown());
    sb.append(String.format(Locale.ROOT, "%nAudio per turn: p50 %.0f KB, p99 %.0f KB, %.1f chunks on average; "
        + "%.1f MB in all.%n", bytesPerTurn.p50() / 1024, bytesPerTurn.p99() / 1024,
        completed == 0 ? 0.0 : (double) chunks / completed, audioBytes / 1048576.0));
    sb.append("Speech failures: ").append(count(speechFailures, "chunk")).append(" of completed turns had no audio "
        + "(turns with no audio at all count as failed, tts_error).\n");
    sb.append("\nLatencies are measured from each turn's intended send time. An inter-chunk gap is the silence a "
        + "listener hears before a chunk whose first audio arrived after the audio before it had finished playing "
        + "(playback starting at the first audio, without pauses); 0 when it arrived in time.");
    if (serverTtfa.count() > 0) {
      sb.append(" \"Client minus server\" is, per turn, the client's latency from its real send minus the one the "
          + "server measured in its pipeline (turn-complete metrics): what the server's handling, the connection and "
          + "the client add; \"send to turn-started\" is the round trip of the start message alone.");
    }
    sb.append('\n');
    if (!errors.isEmpty()) {
      sb.append("\n## Errors\n\n| code | turns | share | example |\n|---|---:|---:|---|\n");
      errors.forEach((code, n) -> sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f %% | %s |%n", code, n,
          100.0 * n / Math.max(1, completed + failed), cell(errorExamples.getOrDefault(code, "")))));
      if (errors.containsKey("rate_limited")) {
        sb.append("\n**rate_limited** is the server's own per-client rate limit, not a failure of the pipeline: "
            + "start the server with `serve --rate-limit off` for load tests.\n");
      }
      if (errors.containsKey("too_many_connections") || settings.remote() && errors.containsKey("http_429")) {
        sb.append("\n**too_many_connections** (a bare http_429 when the server sends no body with it) is the "
            + "server's limit of WebSockets per client address, and every "
            + "load-test client shares one: start the server with `serve --max-connections-per-client off`.\n");
      }
    }
    if (!targetStats.isEmpty()) {
      sb.append("\n## Target\n\nCounters over the measured run (the warm-up's are not in them):\n\n");
      targetStats.forEach((k, v) -> sb.append("- ").append(label(k)).append(": ").append(counter(v)).append('\n'));
    }
    if (server != null) {
      serverMarkdown(sb);
    }
    if (!gate.isEmpty()) {
      sb.append("\n## Regression gate: ").append(gatePassed() ? "passed" : "FAILED").append("\n\n");
      sb.append("| check | limit | actual | result |\n|---|---:|---:|---|\n");
      for (GateResult g : gate) {
        String actual = g.noData() ? "no data"
            : String.format(Locale.ROOT, "%.1f %s", g.actual(), g.metric().unit);
        sb.append(String.format(Locale.ROOT, "| %s | %.1f %s | %s | %s |%n", g.metric().label, g.limit(),
            g.metric().unit, actual, g.passed() ? "pass" : "FAIL"));
      }
    }
    sb.append("\n## Recommendations\n\n");
    for (String r : recommendations) {
      sb.append("- ").append(r).append('\n');
    }
    return sb.toString();
  }

  private void serverMarkdown(StringBuilder sb) {
    ServerObservation o = server;
    sb.append("\n## Server (its own metrics, GET ").append(o.url()).append(")\n\n");
    sb.append(String.format(Locale.ROOT, "Scraped before and after the run and during it: %s, %d failed%s.%n",
        count(o.scrapes(), "scrape"), o.failedScrapes(), o.problem().isEmpty() ? "" : " (" + o.problem() + ")"));
    ServerMetrics after = o.after() != null ? o.after() : o.before();
    if (after == null) {
      sb.append("\nNo figures: the server's metrics could not be read.\n");
      return;
    }
    if (!after.mode().isEmpty()) {
      sb.append("Server mode: ").append(after.mode()).append(".\n");
    }
    o.turnsDuringRun().ifPresent(t -> {
      sb.append("\nTurns on the server during the run:\n\n");
      sb.append("| started | completed | cancelled | failed | error rate | active at the end |\n");
      sb.append("|---:|---:|---:|---:|---:|---:|\n");
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f %% | %s |%n", n(t.started()), n(t.completed()),
          n(t.cancelled()), n(t.failed()), 100 * t.errorRate(), n(t.active())));
      if (!t.errors().isEmpty()) {
        sb.append("\nFailed on the server, by code: ").append(byCode(t.errors())).append(
            " (requests it refused before a turn started, such as rate_limited, are not turns).\n");
      }
    });
    sb.append("\n| server ms | count | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n");
    serverRow(sb, "TTFT, since the server started", after.ttftMs());
    serverRow(sb, "TTFA, since the server started", after.ttfaMs());
    serverRow(sb, "total, since the server started", after.totalMs());
    String window = after.recentWindowSeconds() > 0 ? "last " + after.recentWindowSeconds() + " s" : "recent";
    serverRow(sb, "TTFT, " + window, after.recentTtftMs());
    serverRow(sb, "TTFA, " + window, after.recentTtfaMs());
    serverRow(sb, "total, " + window, after.recentTotalMs());
    sb.append("\nThese cover every turn the server ran in the span (warm-up and earlier runs too); the per-turn "
        + "rows \"client minus server\" above compare this run's turns one by one.\n");
    if (o.before() != null && o.after() != null) {
      sb.append("\n| server cache, during the run | hits | misses | hit rate |\n|---|---:|---:|---:|\n");
      cacheRow(sb, "TTS", o.after().ttsCache().since(o.before().ttsCache()));
      cacheRow(sb, "answer", o.after().answerCache().since(o.before().answerCache()));
      cacheRow(sb, "history", o.after().historyCache().since(o.before().historyCache()));
    }
    ServerMetrics.Jvm jvm = after.jvm();
    sb.append(String.format(Locale.ROOT, "%nServer JVM after the run: heap %s used of %s (peak seen %s), %s threads "
        + "(peak %s), process CPU %s (peak %s). Connections after the run: %s WebSocket, %s SSE (peaks %s, %s).%n",
        mb(jvm.heapUsedBytes()), mb(jvm.heapMaxBytes()), mb(o.peakHeapUsedBytes()), n(jvm.threads()),
        n(o.peakThreads()), share(jvm.processCpuLoad()), share(o.peakProcessCpuLoad()),
        n(after.websocketConnections()), n(after.sseConnections()), n(o.peakWebSocketConnections()),
        n(o.peakSseConnections())));
  }

  private static void serverRow(StringBuilder sb, String name, ServerMetrics.Latency l) {
    sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", name, l.count(), ms(l.p50()), ms(l.p90()),
        ms(l.p99()), ms(l.max())));
  }

  private static void cacheRow(StringBuilder sb, String name, ServerMetrics.Cache c) {
    sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", name, n(c.hits()), n(c.misses()),
        share(c.hitRate())));
  }

  private static String n(long v) {
    return v < 0 ? "n/a" : Long.toString(v);
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String mb(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MB", bytes / 1048576.0);
  }

  private static String share(double fraction) {
    return Double.isNaN(fraction) ? "n/a" : pct(fraction);
  }

  /** Text for a Markdown table cell: one line, no pipes, not too long. */
  private static String cell(String text) {
    String t = text.replace('\n', ' ').replace('\r', ' ').replace("|", "\\|");
    return t.length() > 160 ? t.substring(0, 157) + "..." : t;
  }

  /**
   * The whole report as a JSON object.
   *
   * @return the whole report as a JSON object, as {@code report.json} holds it: camelCase keys, latencies in milliseconds
   */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", settings.target());
    m.put("load", settings.mode());
    m.put("startedAt", startedAt.toString());
    m.put("elapsedSeconds", elapsed.toNanos() / 1e9);
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("repeatRatio", settings.repeatRatio());
    cfg.put("retries", settings.retries());
    cfg.put("ttsConcurrency", settings.ttsConcurrency());
    cfg.put("ttsCache", settings.ttsCache());
    cfg.put("answerCache", settings.answerCache());
    cfg.put("remote", settings.remote());
    m.put("settings", cfg);
    m.put("sent", sent);
    m.put("completed", completed);
    m.put("failed", failed);
    m.put("errorRate", errorRate());
    m.put("errors", errors);
    m.put("errorExamples", errorExamples);
    m.put("turnsPerSecond", turnsPerSecond());
    m.put("lateSends", late);
    m.put("ttftMs", ttft);
    m.put("ttfaMs", ttfa);
    m.put("totalMs", total);
    m.put("interChunkGapMs", gaps);
    m.put("audioBytesPerTurn", bytesPerTurn);
    if (serverTtfa.count() > 0) {
      m.put("serverTtfaMs", serverTtfa);
      m.put("ttfaClientMinusServerMs", ttfaOverServer);
      m.put("ttftClientMinusServerMs", ttftOverServer);
      m.put("sendToTurnStartedMs", accepted);
    }
    m.put("chunks", chunks);
    m.put("speechFailures", speechFailures);
    m.put("ttsCacheHitRate", ttsCacheHitRate());
    m.put("answerCacheHitRate", answerCacheHitRate());
    m.put("targetStats", targetStats);
    if (server != null) {
      m.put("server", serverJson());
    }
    List<Map<String, Object>> g = new ArrayList<>();
    for (GateResult r : gate) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("check", r.metric().name());
      e.put("limit", r.limit());
      e.put("actual", r.noData() ? null : r.actual());
      e.put("noData", r.noData());
      e.put("passed", r.passed());
      g.add(e);
    }
    m.put("gate", g);
    m.put("gatePassed", gatePassed());
    m.put("recommendations", recommendations);
    return m;
  }

  private Map<String, Object> serverJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", server.url());
    m.put("scrapes", server.scrapes());
    m.put("failedScrapes", server.failedScrapes());
    m.put("problem", server.problem());
    server.turnsDuringRun().ifPresent(t -> m.put("turnsDuringRun", t));
    if (server.before() != null && server.after() != null) {
      Map<String, Object> caches = new LinkedHashMap<>();
      caches.put("tts", server.after().ttsCache().since(server.before().ttsCache()));
      caches.put("answer", server.after().answerCache().since(server.before().answerCache()));
      caches.put("history", server.after().historyCache().since(server.before().historyCache()));
      m.put("cachesDuringRun", caches);
    }
    Map<String, Object> peaks = new LinkedHashMap<>();
    peaks.put("heapUsedBytes", server.peakHeapUsedBytes());
    peaks.put("activeTurns", server.peakActiveTurns());
    peaks.put("websocketConnections", server.peakWebSocketConnections());
    peaks.put("sseConnections", server.peakSseConnections());
    peaks.put("threads", server.peakThreads());
    peaks.put("processCpuLoad", Double.isNaN(server.peakProcessCpuLoad()) ? null : server.peakProcessCpuLoad());
    m.put("peaks", peaks);
    m.put("before", server.before() == null ? null : server.before().raw());
    m.put("after", server.after() == null ? null : server.after().raw());
    return m;
  }

  /**
   * Writes {@code report.md} and {@code report.json} into {@code dir}, creating it.
   *
   * @param dir the directory
   * @return the two files written
   * @throws UncheckedIOException when they cannot be written
   */
  public List<Path> write(Path dir) {
    try {
      Files.createDirectories(dir);
      Path md = dir.resolve("report.md");
      Path json = dir.resolve("report.json");
      Files.writeString(md, markdown(), StandardCharsets.UTF_8);
      Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(toJson()) + "\n", StandardCharsets.UTF_8);
      return List.of(md, json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report to " + dir, e);
    }
  }

  private static void row(StringBuilder sb, String name, Percentiles p) {
    sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n", name, p.count(),
        p.p50(), p.p90(), p.p95(), p.p99(), p.p999(), p.max()));
  }

  /**
   * A count and its noun: {@code 1 turn}, {@code 3 turns}.
   *
   * @param n how many
   * @param noun the noun in the singular; its plural adds an {@code s}
   * @return the two words
   */
  static String count(long n, String noun) {
    return n + " " + (n == 1 ? noun : noun + "s");
  }

  /** Counts by code as text: {@code overloaded 3, rate_limit_exceeded 9}; {@code none} when empty. */
  static String byCode(Map<String, ?> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    new java.util.TreeMap<>(counts).forEach((code, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(code)
        .append(' ').append(n));
    return sb.toString();
  }

  /** A target counter's value as text: a number, or counts by code. */
  private static String counter(Object value) {
    return value instanceof Map<?, ?> m ? byCode(stringKeys(m)) : String.valueOf(value);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  /**
   * A counter's camelCase key in words: {@code simulatedChatRequests} is "simulated chat requests";
   * an acronym stays one word as written ({@code p99TTFA} is "p99 TTFA", {@code httpURLCount} "http URL count").
   */
  static String label(String key) {
    List<String> words = new ArrayList<>();
    for (String word : CAMEL_WORDS.split(key)) {
      boolean acronym = word.length() > 1 && word.chars().noneMatch(Character::isLowerCase);
      words.add(acronym ? word : word.toLowerCase(Locale.ROOT));
    }
    return String.join(" ", words);
  }

  /** Between a lower case letter or digit and a capital; before the last capital of an acronym that a word follows. */
  private static final Pattern CAMEL_WORDS =
      Pattern.compile("(?<=[\\p{Ll}0-9])(?=\\p{Lu})|(?<=\\p{Lu})(?=\\p{Lu}\\p{Ll})");

  private static String pct(double fraction) {
    return String.format(Locale.ROOT, "%.1f %%", 100 * fraction);
  }

  private static String onOff(boolean b) {
    return b ? "on" : "off";
  }
}
