package dev.officehours.examples.load;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Scrapes the server under test before a run, every {@code interval} during it (to catch the
 * peaks of heap, turns and connections that the end of a run no longer shows) and after it. A
 * failed scrape is noted, never fatal: the client's figures stand without the server's.
 */
final class ServerSampler {
  private final MetricsScraper scraper;
  private final Duration interval;
  private ScheduledExecutorService sampler;
  private ServerMetrics before;
  private int scrapes;
  private int failed;
  private long peakHeap = -1;
  private long peakActive = -1;
  private long peakWebSocket = -1;
  private long peakSse = -1;
  private long peakThreads = -1;
  private double peakCpu = Double.NaN;
  private String problem = "";

  /**
   * @param scraper the server's metrics endpoint
   * @param interval time between scrapes during the run; zero scrapes only before and after
   */
  ServerSampler(MetricsScraper scraper, Duration interval) {
    this.scraper = scraper;
    this.interval = interval;
  }

  /** Scrapes once now and starts sampling. */
  void begin() {
    before = scrape();
    if (!interval.isZero() && !interval.isNegative()) {
      sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-server-metrics");
        t.setDaemon(true);
        return t;
      });
      long nanos = interval.toNanos();
      sampler.scheduleWithFixedDelay(this::scrape, nanos, nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Stops sampling (also when the run failed); idempotent. */
  void stop() {
    if (sampler != null) {
      sampler.shutdownNow();
      try {
        // a scrape in flight finishes within its own 5 s timeout
        sampler.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops sampling and scrapes once more. */
  ServerObservation end() {
    stop();
    ServerMetrics after = scrape();
    synchronized (this) {
      return new ServerObservation(scraper.url(), before, after, scrapes, failed, peakHeap, peakActive, peakWebSocket,
          peakSse, peakThreads, peakCpu, problem);
    }
  }

  private ServerMetrics scrape() {
    try {
      ServerMetrics m = scraper.scrape();
      synchronized (this) {
        scrapes++;
        peakHeap = Math.max(peakHeap, m.jvm().heapUsedBytes());
        peakActive = Math.max(peakActive, m.turns().active());
        peakWebSocket = Math.max(peakWebSocket, m.websocketConnections());
        peakSse = Math.max(peakSse, m.sseConnections());
        peakThreads = Math.max(peakThreads, m.jvm().threads());
        double cpu = m.jvm().processCpuLoad();
        if (!Double.isNaN(cpu)) {
          peakCpu = Double.isNaN(peakCpu) ? cpu : Math.max(peakCpu, cpu);
        }
      }
      return m;
    } catch (RuntimeException e) {
      synchronized (this) {
        failed++;
        if (problem.isEmpty()) {
          problem = String.valueOf(e.getMessage());
        }
      }
      return null;
    }
  }
}
