package dev.officehours.examples.server;

import dev.officehours.TurnMetrics;
import dev.officehours.metrics.MetricsSnapshot;
import dev.officehours.metrics.MicrometerObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@code GET /chat/metrics} reports: turns as the server's clients saw them (counted where
 * the server hands events to a socket or stream), latency percentiles, cache hit rates from the
 * pipeline's {@link MicrometerObserver}, what browsers reported, and the JVM. The same figures
 * also go to the Micrometer registry as {@code officehours.server.*} meters.
 */
final class ServerMetrics {
  private final long startedNanos = System.nanoTime();
  private final String mode;
  private final MicrometerObserver pipelineMetrics;
  private final LatencyWindow ttft = new LatencyWindow();
  private final LatencyWindow ttfa = new LatencyWindow();
  private final LatencyWindow total = new LatencyWindow();
  private final LatencyWindow clientFirstAudio = new LatencyWindow();
  private final LatencyWindow relay = new LatencyWindow();
  private final io.micrometer.core.instrument.Timer relayMeter;
  private final LongAdder started = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger webSockets = new AtomicInteger();
  private final AtomicInteger streams = new AtomicInteger();
  private final LongAdder clientReports = new LongAdder();
  private final AtomicLong clientUnderruns = new AtomicLong();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final MeterRegistry registry;
  private final DistributionSummary clientFirstAudioMeter;

  ServerMetrics(String mode, MicrometerObserver pipelineMetrics, MeterRegistry registry) {
    this.mode = mode;
    this.pipelineMetrics = pipelineMetrics;
    this.registry = registry;
    Gauge.builder("officehours.server.turns.active", active, AtomicInteger::get)
        .description("Turns the server is streaming to clients").register(registry);
    Gauge.builder("officehours.server.connections", webSockets, AtomicInteger::get)
        .tag("transport", "websocket").description("Open client connections").register(registry);
    Gauge.builder("officehours.server.connections", streams, AtomicInteger::get)
        .tag("transport", "sse").description("Open client connections").register(registry);
    clientFirstAudioMeter = DistributionSummary.builder("officehours.server.client.first_audio")
        .baseUnit("milliseconds").description("Speech end to first audio played, as browsers report it")
        .publishPercentiles(0.5, 0.9, 0.99).register(registry);
    relayMeter = io.micrometer.core.instrument.Timer.builder("officehours.server.first_audio.relay")
        .description("From the pipeline handing a turn's first audio to the server to its write to the client")
        .register(registry);
  }

  /** What the server added to a turn's time to first audio: hand-over to socket write. */
  void firstAudioRelayed(long nanos) {
    relay.record(nanos / 1e6);
    relayMeter.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void turnStarted() {
    started.increment();
    active.incrementAndGet();
  }

  /** The pipeline refused a turn counted by {@link #turnStarted()}: it never ran. */
  void turnNotStarted() {
    started.decrement();
    active.decrementAndGet();
  }

  void turnCompleted(TurnMetrics m) {
    active.decrementAndGet();
    completed.increment();
    m.timeToFirstToken().ifPresent(d -> ttft.record(d.toNanos() / 1e6));
    m.timeToFirstAudio().ifPresent(d -> ttfa.record(d.toNanos() / 1e6));
    total.record(m.total().toNanos() / 1e6);
  }

  void turnCancelled() {
    active.decrementAndGet();
    cancelled.increment();
  }

  void turnFailed(String code) {
    active.decrementAndGet();
    failed.increment();
    errors.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  /** A request refused before a turn started (bad input, rate limit): counted by code. */
  void rejected(String code) {
    Counter.builder("officehours.server.rejected").tag("code", code)
        .description("Requests refused before a turn started").register(registry).increment();
  }

  void clientReport(ChatRequests.ClientReport r) {
    clientReports.increment();
    clientUnderruns.addAndGet(r.underruns());
    clientFirstAudio.record(r.speechEndToFirstAudioMs());
    clientFirstAudioMeter.record(r.speechEndToFirstAudioMs());
  }

  /** Moves the last-minute windows on; called every 10 s so that "recent" means the last minute. */
  void rotate() {
    relay.summary();
    ttft.summary();
    ttfa.summary();
    total.summary();
    clientFirstAudio.summary();
  }

  AtomicInteger webSockets() {
    return webSockets;
  }

  AtomicInteger streams() {
    return streams;
  }

  int activeTurns() {
    return active.get();
  }

  /** The figures as {@code GET /chat/metrics} shows them; fixed cost however often it is read. */
  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", mode);
    m.put("uptimeSeconds", (System.nanoTime() - startedNanos) / 1_000_000_000L);
    long done = completed.sum() + failed.sum();
    Map<String, Object> turns = new LinkedHashMap<>();
    turns.put("started", started.sum());
    turns.put("completed", completed.sum());
    turns.put("cancelled", cancelled.sum());
    turns.put("failed", failed.sum());
    turns.put("active", active.get());
    turns.put("errorRate", done == 0 ? 0.0 : (double) failed.sum() / done);
    Map<String, Long> byCode = new LinkedHashMap<>();
    errors.forEach((code, n) -> byCode.put(code, n.sum()));
    turns.put("errors", byCode);
    m.put("turns", turns);
    LatencyWindow.Summary first = ttft.summary();
    LatencyWindow.Summary audio = ttfa.summary();
    LatencyWindow.Summary whole = total.summary();
    LatencyWindow.Summary relayed = relay.summary();
    Map<String, Object> latency = new LinkedHashMap<>();
    latency.put("ttftMs", first.sinceStart());
    latency.put("ttfaMs", audio.sinceStart());
    latency.put("totalMs", whole.sinceStart());
    latency.put("firstAudioRelayMs", relayed.sinceStart());
    m.put("latency", latency);
    Map<String, Object> recent = new LinkedHashMap<>();
    recent.put("windowSeconds", 60);
    recent.put("ttftMs", first.recent());
    recent.put("ttfaMs", audio.recent());
    recent.put("totalMs", whole.recent());
    recent.put("firstAudioRelayMs", relayed.recent());
    m.put("recent", recent);
    m.put("caches", caches());
    m.put("tools", tools());
    Map<String, Object> client = new LinkedHashMap<>();
    client.put("reports", clientReports.sum());
    client.put("underruns", clientUnderruns.get());
    LatencyWindow.Summary reported = clientFirstAudio.summary();
    client.put("speechEndToFirstAudioMs", reported.sinceStart());
    client.put("recentSpeechEndToFirstAudioMs", reported.recent());
    m.put("client", client);
    m.put("connections", Map.of("websocket", webSockets.get(), "sse", streams.get()));
    m.put("jvm", jvm());
    return m;
  }

  private Map<String, Object> caches() {
    Map<String, Object> out = new LinkedHashMap<>();
    if (pipelineMetrics == null) {
      return out;
    }
    MetricsSnapshot s = pipelineMetrics.snapshot();
    s.caches().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("hits", e.getValue().hits());
      c.put("misses", e.getValue().misses());
      c.put("errors", e.getValue().errors());
      c.put("hitRate", e.getValue().hitRate());
      out.put(e.getKey(), c);
    });
    return out;
  }

  /**
   * Tool calls from the pipeline's {@code officehours.tool.duration} timers (tags tool, status):
   * a few meters however many calls, so reading them stays cheap.
   */
  private Map<String, Object> tools() {
    long calls = 0;
    Map<String, Long> byStatus = new java.util.TreeMap<>();
    Map<String, long[]> counts = new java.util.TreeMap<>();
    Map<String, double[]> millis = new java.util.TreeMap<>();
    for (io.micrometer.core.instrument.Timer t : registry.find("officehours.tool.duration").timers()) {
      long n = t.count();
      String tool = String.valueOf(t.getId().getTag("tool"));
      calls += n;
      byStatus.merge(String.valueOf(t.getId().getTag("status")), n, Long::sum);
      counts.computeIfAbsent(tool, k -> new long[1])[0] += n;
      millis.computeIfAbsent(tool, k -> new double[1])[0] += t.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    Map<String, Object> byTool = new LinkedHashMap<>();
    counts.forEach((tool, n) -> {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("calls", n[0]);
      one.put("meanMs", n[0] == 0 ? 0.0 : Math.round(millis.get(tool)[0] / n[0] * 10) / 10.0);
      byTool.put(tool, one);
    });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("calls", calls);
    out.put("byStatus", byStatus);
    out.put("byTool", byTool);
    return out;
  }

  private static Map<String, Object> jvm() {
    Map<String, Object> m = new LinkedHashMap<>();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    m.put("heapUsedBytes", heap.getUsed());
    m.put("heapCommittedBytes", heap.getCommitted());
    m.put("heapMaxBytes", heap.getMax());
    double cpu = -1;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      cpu = os.getProcessCpuLoad();
      cpu = Double.isFinite(cpu) ? cpu : -1;
    }
    m.put("processCpuLoad", cpu);
    m.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
    m.put("processors", Runtime.getRuntime().availableProcessors());
    return m;
  }
}
