package dev.officehours.metrics;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.officehours.tools.ToolStatus;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records the pipeline in a Micrometer {@link MeterRegistry}. Meters (all names start with
 * {@code officehours.}):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>officehours.llm.ttft</td><td>timer</td><td>source=live|cache</td><td>LLM time to first token</td></tr>
 *   <tr><td>officehours.llm.duration</td><td>timer</td><td>source</td><td>LLM stream, start to end</td></tr>
 *   <tr><td>officehours.tts.ttfb</td><td>timer</td><td></td><td>TTS time to first byte</td></tr>
 *   <tr><td>officehours.tts.duration</td><td>timer</td><td>source</td><td>TTS synthesis of one chunk</td></tr>
 *   <tr><td>officehours.turn.ttfa</td><td>timer</td><td></td><td>turn time to first audio</td></tr>
 *   <tr><td>officehours.turn.duration</td><td>timer</td><td>outcome</td><td>turn total</td></tr>
 *   <tr><td>officehours.turns</td><td>counter</td><td>outcome=completed|cancelled|failed</td><td>turns ended</td></tr>
 *   <tr><td>officehours.turns.active</td><td>gauge</td><td></td><td>turns in flight</td></tr>
 *   <tr><td>officehours.errors</td><td>counter</td><td>stage</td><td>errors by pipeline stage</td></tr>
 *   <tr><td>officehours.tool.duration</td><td>timer</td><td>tool, status=ok|failed|timed-out|...</td><td>one tool call, start to result (its count is the number of calls)</td></tr>
 *   <tr><td>officehours.stt.duration</td><td>timer</td><td></td><td>transcription of a turn's audio (speech-to-text latency)</td></tr>
 *   <tr><td>officehours.cache.requests</td><td>counter</td><td>cache, result=hit|miss|error</td><td>cache lookups</td></tr>
 *   <tr><td>officehours.llm.ttfat</td><td>timer</td><td>source=live|cache</td><td>LLM time to first answer token (after any reasoning)</td></tr>
 *   <tr><td>officehours.provider.failovers</td><td>counter</td><td>stage=llm|tts|stt, from, to</td><td>calls a fallback chain moved from one provider to the next</td></tr>
 *   <tr><td>officehours.provider.served</td><td>counter</td><td>stage, provider</td><td>calls a fallback chain served, by provider</td></tr>
 *   <tr><td>officehours.provider.healthy</td><td>gauge</td><td>stage, provider</td><td>1 while a chain's provider is healthy, 0 while calls skip it</td></tr>
 * </table>
 *
 * <p>Percentile histograms are the application's choice (a {@code MeterFilter}); this class does
 * not force them. {@link #snapshot()} summarises the meters for dashboards and tests.
 */
public final class MicrometerObserver extends PipelineObserver {
  private final MeterRegistry registry;
  private final Timer ttft;
  private final Timer ttftCached;
  private final Timer llmDuration;
  private final Timer llmDurationCached;
  private final Timer ttsTtfb;
  private final Timer ttsDuration;
  private final Timer ttsDurationCached;
  private final Timer ttfa;
  private final Map<TurnOutcome, Timer> turnDuration = new EnumMap<>(TurnOutcome.class);
  private final Map<TurnOutcome, Counter> turns = new EnumMap<>(TurnOutcome.class);
  private final Map<OfficeHoursException.Stage, Counter> errors = new EnumMap<>(OfficeHoursException.Stage.class);
  private final ConcurrentHashMap<String, CacheCounters> caches = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();
  private final ConcurrentHashMap<String, Timer> toolTimers = new ConcurrentHashMap<>();
  private final Timer ttfat;
  private final Timer ttfatCached;
  private final ConcurrentHashMap<String, Counter> providerCounters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> providerHealth = new ConcurrentHashMap<>();
  private final Timer sttDuration;

  /**
   * Registers the pipeline's meters in {@code registry}.
   *
   * @param registry where the meters live; not null
   */
  public MicrometerObserver(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    ttft = timer("officehours.llm.ttft", "LLM time to first token", "source", "live");
    ttftCached = timer("officehours.llm.ttft", "LLM time to first token", "source", "cache");
    llmDuration = timer("officehours.llm.duration", "LLM stream duration", "source", "live");
    llmDurationCached = timer("officehours.llm.duration", "LLM stream duration", "source", "cache");
    ttsTtfb = timer("officehours.tts.ttfb", "TTS time to first byte");
    ttsDuration = timer("officehours.tts.duration", "TTS synthesis of one chunk", "source", "live");
    ttsDurationCached = timer("officehours.tts.duration", "TTS synthesis of one chunk", "source", "cache");
    ttfa = timer("officehours.turn.ttfa", "Turn time to first audio");
    for (TurnOutcome o : TurnOutcome.values()) {
      String tag = o.name().toLowerCase(java.util.Locale.ROOT);
      turnDuration.put(o, timer("officehours.turn.duration", "Turn total", "outcome", tag));
      turns.put(o, Counter.builder("officehours.turns").description("Turns ended")
          .tag("outcome", tag).register(registry));
    }
    for (OfficeHoursException.Stage s : OfficeHoursException.Stage.values()) {
      errors.put(s, Counter.builder("officehours.errors").description("Errors by pipeline stage")
          .tag("stage", s.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
    }
    Gauge.builder("officehours.turns.active", active, AtomicInteger::get)
        .description("Turns in flight").register(registry);
    for (String cache : new String[] {"tts", "answer", "history"}) {
      cache(cache);
    }
    ttfat = timer("officehours.llm.ttfat", "LLM time to first answer token", "source", "live");
    ttfatCached = timer("officehours.llm.ttfat", "LLM time to first answer token", "source", "cache");
    sttDuration = timer("officehours.stt.duration", "Transcription of a turn's audio");
  }

  private Timer timer(String name, String description, String... tags) {
    return Timer.builder(name).description(description).tags(tags).register(registry);
  }

  private CacheCounters cache(String name) {
    return caches.computeIfAbsent(name, n -> new CacheCounters(registry, n));
  }

  @Override
  public void turnStarted(String sessionId, String turnId) {
    active.incrementAndGet();
  }

  @Override
  public void llmFirstToken(Duration d, boolean fromCache) {
    (fromCache ? ttftCached : ttft).record(d);
  }

  @Override
  public void llmCompleted(Duration d, boolean fromCache) {
    (fromCache ? llmDurationCached : llmDuration).record(d);
  }

  @Override
  public void ttsFirstByte(Duration d) {
    ttsTtfb.record(d);
  }

  @Override
  public void ttsCompleted(Duration d, long bytes, boolean fromCache) {
    (fromCache ? ttsDurationCached : ttsDuration).record(d);
  }

  @Override
  public void toolCallEnded(String toolName, ToolStatus status, Duration duration) {
    toolTimers.computeIfAbsent(toolName + '\n' + status.name(),
        k -> timer("officehours.tool.duration", "Tool call, start to result",
            "tool", toolName, "status", status.tagValue()))
        .record(duration);
  }

  @Override
  public void turnFirstAudio(Duration d) {
    ttfa.record(d);
  }

  @Override
  public void turnEnded(TurnOutcome outcome, Duration total) {
    active.decrementAndGet();
    turns.get(outcome).increment();
    turnDuration.get(outcome).record(total);
  }

  @Override
  public void error(OfficeHoursException.Stage stage, OfficeHoursException error) {
    errors.get(stage).increment();
  }

  @Override
  public void cacheHit(String cache) {
    cache(cache).hits.increment();
  }

  @Override
  public void cacheMiss(String cache) {
    cache(cache).misses.increment();
  }

  @Override
  public void cacheError(String cache) {
    cache(cache).errors.increment();
  }

  @Override
  public void llmFirstAnswerToken(Duration d, boolean fromCache) {
    (fromCache ? ttfatCached : ttfat).record(d);
  }

  // Provider ids come from id(): a handful per application, never user input, so tags stay bounded.
  @Override
  public void providerFailover(OfficeHoursException.Stage stage, String from, String to,
      OfficeHoursException reason) {
    String tag = stage.name().toLowerCase(java.util.Locale.ROOT);
    providerCounters.computeIfAbsent("failover\n" + tag + '\n' + from + '\n' + to,
        k -> Counter.builder("officehours.provider.failovers")
            .description("Calls a fallback chain moved from one provider to the next")
            .tag("stage", tag).tag("from", from).tag("to", to).register(registry))
        .increment();
  }

  @Override
  public void providerServed(OfficeHoursException.Stage stage, String provider) {
    String tag = stage.name().toLowerCase(java.util.Locale.ROOT);
    providerCounters.computeIfAbsent("served\n" + tag + '\n' + provider,
        k -> Counter.builder("officehours.provider.served")
            .description("Calls a fallback chain served, by provider")
            .tag("stage", tag).tag("provider", provider).register(registry))
        .increment();
  }

  @Override
  public void providerHealthChanged(OfficeHoursException.Stage stage, String provider,
      boolean healthy) {
    String tag = stage.name().toLowerCase(java.util.Locale.ROOT);
    providerHealth.computeIfAbsent(tag + '\n' + provider, k -> {
      AtomicInteger value = new AtomicInteger(1);
      Gauge.builder("officehours.provider.healthy", value, AtomicInteger::get)
          .description("1 while a fallback chain's provider is healthy, 0 while calls skip it")
          .tag("stage", tag).tag("provider", provider).register(registry);
      return value;
    }).set(healthy ? 1 : 0);
  }

  /**
   * A consistent-enough summary of the meters, for dashboards, CLIs and tests.
   *
   * @return the values of the meters now; each is read on its own, so they may be a few events
   *     apart
   */
  public MetricsSnapshot snapshot() {
    Map<TurnOutcome, Long> turnCounts = new EnumMap<>(TurnOutcome.class);
    turns.forEach((o, c) -> turnCounts.put(o, (long) c.count()));
    Map<OfficeHoursException.Stage, Long> errorCounts = new EnumMap<>(OfficeHoursException.Stage.class);
    errors.forEach((s, c) -> errorCounts.put(s, (long) c.count()));
    Map<String, MetricsSnapshot.CacheStats> cacheStats = new LinkedHashMap<>();
    caches.forEach((name, c) -> cacheStats.put(name, new MetricsSnapshot.CacheStats(
        (long) c.hits.count(), (long) c.misses.count(), (long) c.errors.count())));
    return new MetricsSnapshot(active.get(), turnCounts, errorCounts,
        MetricsSnapshot.TimerStats.of(ttft), MetricsSnapshot.TimerStats.of(ttfa),
        MetricsSnapshot.TimerStats.of(ttsTtfb), MetricsSnapshot.TimerStats.of(ttsDuration),
        MetricsSnapshot.TimerStats.of(turnDuration.get(TurnOutcome.COMPLETED)), cacheStats);
  }

  @Override
  public void sttCompleted(Duration d) {
    sttDuration.record(d);
  }

  private static final class CacheCounters {
    final Counter hits;
    final Counter misses;
    final Counter errors;

    CacheCounters(MeterRegistry registry, String cache) {
      hits = counter(registry, cache, "hit");
      misses = counter(registry, cache, "miss");
      errors = counter(registry, cache, "error");
    }

    private static Counter counter(MeterRegistry registry, String cache, String result) {
      return Counter.builder("officehours.cache.requests").description("Cache lookups")
          .tag("cache", cache).tag("result", result).register(registry);
    }
  }
}
