package dev.officehours.examples.load;

import dev.officehours.examples.Args;
import dev.officehours.examples.Args.UsageException;
import dev.officehours.examples.cli.Redactor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load tester: drives a {@link LoadTarget} with a closed or open load model, records every
 * turn in HdrHistograms and reports percentiles, throughput, errors, cache hit rates and
 * recommendations, with an optional regression gate. See {@code docs/load-testing.md}.
 *
 * <pre>
 * loadtest --concurrent-clients 100 --requests-per-client 5 --report target/load
 * loadtest --rate 50/s --duration 60s --max-p99-ttfa 1500ms --max-error-rate 1%
 * loadtest --target ws://127.0.0.1:5001/chat/ws --concurrent-clients 100 --requests-per-client 5
 * loadtest --target http://127.0.0.1:5001/chat/stream --rate 20/s --duration 30s
 * </pre>
 *
 * <p>Exit codes: 0 done (and the gate passed), 1 the regression gate was breached, 2 a usage
 * error (unknown flag, bad value, unreadable questions file), 3 the test could not run.
 *
 * <p>In code, {@link #execute(LoadTarget, LoadPlan, QuestionMix, LoadReport.Settings, List, PrintStream)}
 * runs a test against any {@link LoadTarget} (a {@link WebSocketTarget} for a running server, a
 * {@link PipelineTarget} for your own pipeline) and returns the {@link LoadReport}.
 */
public final class LoadTester {
  /** Done; every gate check passed. */
  public static final int EXIT_OK = 0;
  /** The regression gate was breached. */
  public static final int EXIT_GATE_BREACHED = 1;
  /** A usage error. */
  public static final int EXIT_USAGE = 2;
  /** The test could not run. */
  public static final int EXIT_FAILED = 3;

  private static final Set<String> VALUED = Set.of("latency-tests", "concurrent-clients", "requests-per-client", "rate",
      "duration", "questions", "repeat-ratio", "seed", "warmup", "report", "target", "llm-ttft", "token-interval",
      "token-jitter", "answer-words", "tts-ttfb", "tts-realtime-factor", "fault-rate", "tts-fault-rate", "retries",
      "tts-concurrency", "turn-timeout", "max-p99-ttfa", "max-p99-ttft", "max-p99-total", "max-p99-gap",
      "max-error-rate", "scrape-interval", "ramp-up", "think-time");
  private static final Set<String> SWITCHES = Set.of("progress", "no-progress", "tts-cache", "answer-cache", "help",
      "no-server-metrics", "tools");
  /** The flags that set up the in-process pipeline and its simulated providers: a server has its own. */
  static final List<String> IN_PROCESS_ONLY = List.of("llm-ttft", "token-interval", "token-jitter", "answer-words",
      "tts-ttfb", "tts-realtime-factor", "fault-rate", "tts-fault-rate", "retries", "tts-concurrency", "tts-cache",
      "answer-cache", "tools");
  /** How long a client waits for a server's turn: longer than the server's own 30 s turn deadline, so its error comes first. */
  static final Duration SERVER_TURN_TIMEOUT = Duration.ofSeconds(60);
  /** Time between plain progress lines when standard error is not a terminal. */
  static final Duration PROGRESS_LINE_INTERVAL = Duration.ofSeconds(10);
  /** Time between scrapes of the server's metrics during a run. */
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

  private LoadTester() {}

  /**
   * Runs the load tester and exits with its exit code ({@link #EXIT_OK}, {@link #EXIT_GATE_BREACHED},
   * {@link #EXIT_USAGE} or {@link #EXIT_FAILED}).
   *
   * @param args the flags; {@code --help} lists them
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the load tester as {@code loadtest} does, without exiting.
   *
   * @param argv the flags; {@code --help} lists them
   * @param out where the Markdown report goes
   * @param err where progress, notices and errors go; the live bar is drawn only when the process's
   *     standard error is a terminal, or with {@code --progress}
   * @return the exit code: {@link #EXIT_OK}, {@link #EXIT_GATE_BREACHED}, {@link #EXIT_USAGE} or
   *     {@link #EXIT_FAILED}
   */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    return run(argv, out, err, PROGRESS_LINE_INTERVAL);
  }

  /** As {@link #run(String[], PrintStream, PrintStream)}, with plain progress lines this often (tests). */
  static int run(String[] argv, PrintStream out, PrintStream err, Duration progressLineInterval) {
    Args args;
    LoadPlan plan;
    QuestionMix mix;
    InProcessTarget.Options options = null;
    String serverUrl = null;
    Duration turnTimeout = null;
    Duration scrapeInterval;
    List<LoadReport.GateCheck> gate;
    double repeatRatio;
    int warmup;
    try {
      args = Args.parse(argv, union(VALUED, Soak.VALUED), union(SWITCHES, Soak.SWITCHES));
      if (args.has("help")) {
        out.println(usage());
        return EXIT_OK;
      }
      if (args.has("soak")) {
        if (!args.positional().isEmpty()) {
          throw new UsageException("unexpected argument '" + Redactor.showUrl(args.positional().get(0))
              + "' (every setting is a flag)");
        }
        return Soak.run(args, out, err, progressLineInterval);
      }
      for (String flag : Soak.VALUED) {
        if (args.has(flag)) {
          throw new UsageException("--" + flag + " applies only to --soak");
        }
      }
      if (!args.positional().isEmpty()) {
        throw new UsageException("unexpected argument '" + Redactor.showUrl(args.positional().get(0))
            + "' (every setting is a flag)");
      }
      plan = plan(args);
      repeatRatio = args.getFraction("repeat-ratio", 0.3);
      long seed = args.getInt("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
      List<QuestionMix.Weighted> questions = QuestionMix.builtIn();
      if (args.has("questions")) {
        Path file = Path.of(args.get("questions", ""));
        try {
          questions = QuestionMix.read(file);
        } catch (IOException e) {
          throw new UsageException("cannot read --questions " + file + ": " + e);
        } catch (IllegalArgumentException e) {
          throw new UsageException("--questions " + e.getMessage());
        }
      }
      mix = new QuestionMix(questions, repeatRatio, seed);
      warmup = args.getInt("warmup", 0, 0, 100_000);
      String target = args.get("target", "inprocess").trim();
      if (target.equals("inprocess")) {
        options = InProcessTarget.options(args, seed);
      } else {
        serverUrl = serverTarget(target);
        for (String flag : IN_PROCESS_ONLY) {
          if (args.has(flag)) {
            throw new UsageException("--" + flag + " sets up the in-process pipeline and applies only to --target "
                + "inprocess; a server answers with its own providers, caches and settings (set them when you start "
                + "it: serve --help)");
          }
        }
        turnTimeout = args.getDuration("turn-timeout", SERVER_TURN_TIMEOUT);
        if (turnTimeout.isZero()) {
          throw new UsageException("--turn-timeout must be positive");
        }
      }
      if (args.has("progress") && args.has("no-progress")) {
        throw new UsageException("choose --progress or --no-progress, not both");
      }
      scrapeInterval = args.getDuration("scrape-interval", SCRAPE_INTERVAL);
      gate = gate(args);
    } catch (UsageException | IllegalArgumentException e) {
      err.println("loadtest: " + e.getMessage());
      err.println("Run with --help for the flags.");
      return EXIT_USAGE;
    }
    try (LoadTarget target = options != null ? InProcessTarget.create(options) : serverTarget(serverUrl, turnTimeout)) {
      LoadReport.Settings settings = options != null
          ? new LoadReport.Settings(plan.describe(), target.describe(), repeatRatio, options.ttsCache(),
              options.answerCache(), options.retries(), options.ttsConcurrency())
          : LoadReport.Settings.remote(plan.describe(), target.describe(), repeatRatio);
      Duration scrape = args.has("no-server-metrics") ? null : scrapeInterval;
      if (scrape != null && target.serverMetrics().isPresent()) {
        String unreachable = unreachable(target.serverMetrics().get());
        if (unreachable != null) {
          err.println("loadtest: the test could not run: " + unreachable);
          return EXIT_FAILED;
        }
      }
      // the bar redraws itself with carriage returns: on a terminal only, unless asked for
      Progress progress = args.has("no-progress") ? null
          : args.has("progress") || Terminal.stderrIsTerminal() ? Progress.bar(err)
          : Progress.lines(err, progressLineInterval);
      if (warmup > 0) {
        err.println("Warming up with " + LoadReport.count(warmup, "turn") + " (not recorded)...");
        int clients = Math.min(warmup, 100);
        execute(target, new LoadPlan.Closed(clients, (warmup + clients - 1) / clients),
            // own namespace ("(#w17)"): a warm-up question must not be a cache hit for the measured run
            new QuestionMix(QuestionMix.builtIn(), repeatRatio, 7, "w"), settings, List.of(), null, null);
      }
      LoadReport report = measure(target, plan, mix, settings, gate, progress, scrape);
      out.print(report.markdown());
      if (args.has("report")) {
        List<Path> files = report.write(Path.of(args.get("report", "")));
        err.println("Report written to " + files.get(0) + " and " + files.get(1));
      }
      return report.gatePassed() ? EXIT_OK : EXIT_GATE_BREACHED;
    } catch (RuntimeException e) {
      err.println("loadtest: the test could not run: " + e);
      return EXIT_FAILED;
    }
  }

  /**
   * Runs one load test against {@code target} and reports it; blocks until every turn has
   * finished. A server target's metrics are scraped before, after and every second during the run.
   *
   * @param target what to drive; left open
   * @param plan how to send
   * @param mix what to ask
   * @param settings what is run, for the report
   * @param gate the regression gate's limits, maybe none
   * @param progress where to draw a live progress bar (carriage-return frames, for a terminal),
   *     or {@code null} for none
   * @return the report
   */
  public static LoadReport execute(LoadTarget target, LoadPlan plan, QuestionMix mix, LoadReport.Settings settings,
      List<LoadReport.GateCheck> gate, PrintStream progress) {
    return execute(target, plan, mix, settings, gate, progress, SCRAPE_INTERVAL);
  }

  /**
   * Runs one load test against {@code target} and reports it, with the server's own metrics when
   * the target is a server that publishes them; blocks until every turn has finished.
   *
   * @param target what to drive; left open
   * @param plan how to send
   * @param mix what to ask
   * @param settings what is run, for the report
   * @param gate the regression gate's limits, maybe none
   * @param progress where to draw a live progress bar (carriage-return frames, for a terminal),
   *     or {@code null} for none
   * @param scrapeInterval time between scrapes of the server's metrics during the run ({@link Duration#ZERO}:
   *     only before and after it), or {@code null} for no scraping
   * @return the report
   */
  public static LoadReport execute(LoadTarget target, LoadPlan plan, QuestionMix mix, LoadReport.Settings settings,
      List<LoadReport.GateCheck> gate, PrintStream progress, Duration scrapeInterval) {
    return measure(target, plan, mix, settings, gate, progress == null ? null : Progress.bar(progress), scrapeInterval);
  }

  private static LoadReport measure(LoadTarget target, LoadPlan plan, QuestionMix mix, LoadReport.Settings settings,
      List<LoadReport.GateCheck> gate, Progress progress, Duration scrapeInterval) {
    LoadStats stats = new LoadStats();
    ServerSampler sampler = scrapeInterval == null ? null
        : target.serverMetrics().map(m -> new ServerSampler(m, scrapeInterval)).orElse(null);
    if (sampler != null) {
      sampler.begin();
    }
    Map<String, Object> targetBefore = target.stats();
    Instant startedAt = Instant.now();
    long start = System.nanoTime();
    long expected = plan instanceof LoadPlan.Closed c ? (long) c.clients() * c.requestsPerClient()
        : ((LoadPlan.Open) plan).turns();
    ScheduledExecutorService bar = progress == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loadtest-progress");
      t.setDaemon(true);
      return t;
    });
    if (bar != null) {
      long period = progress.interval().toNanos();
      bar.scheduleAtFixedRate(() -> progress.show(stats, expected, start), progress.live() ? 0 : period, period,
          TimeUnit.NANOSECONDS);
    }
    try {
      if (plan instanceof LoadPlan.Closed closed) {
        runClosed(target, closed, mix, stats);
      } else {
        runOpen(target, (LoadPlan.Open) plan, mix, stats);
      }
    } finally {
      if (sampler != null) {
        sampler.stop();
      }
      if (bar != null) {
        bar.shutdownNow();
        // a frame being drawn now must not land after the last one's line end
        awaitQuietly(bar);
        progress.finish(stats, expected, start);
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    ServerObservation server = sampler == null ? null : sampler.end();
    return new LoadReport(settings, stats, startedAt, elapsed, since(targetBefore, target.stats()), gate, server);
  }

  /**
   * Checks a {@code --target} that names a server.
   *
   * @param target the flag's value
   * @return the URL
   * @throws UsageException naming the value when it is neither a WebSocket nor an HTTP URL
   */
  static String serverTarget(String target) {
    String lower = target.toLowerCase(Locale.ROOT);
    if (!(lower.startsWith("ws://") || lower.startsWith("wss://") || lower.startsWith("http://")
        || lower.startsWith("https://"))) {
      throw new UsageException("--target must be 'inprocess', a WebSocket URL (ws://127.0.0.1:5001/chat/ws) or the "
          + "SSE endpoint (http://127.0.0.1:5001/chat/stream) but was '" + target + "'");
    }
    try {
      // validated here, so a bad URL is a usage error (exit 2), not a failed run
      if (lower.startsWith("ws")) {
        ServerTargets.endpoint(target, Set.of("ws", "wss"), "/chat/ws");
      } else {
        ServerTargets.endpoint(target, Set.of("http", "https"), "/chat/stream");
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("--target: " + e.getMessage());
    }
    return target;
  }

  private static LoadTarget serverTarget(String url, Duration turnTimeout) {
    String lower = url.toLowerCase(Locale.ROOT);
    return lower.startsWith("ws://") || lower.startsWith("wss://")
        ? new WebSocketTarget(url, turnTimeout)
        : new SseTarget(url, turnTimeout);
  }

  /**
   * Whether the server can be reached at all: a run against a port where nothing listens would
   * only count refused connections.
   *
   * @return why it cannot be reached, or {@code null} when it can (also when it answers, but not with metrics)
   */
  static String unreachable(MetricsScraper metrics) {
    try {
      metrics.scrape();
      return null;
    } catch (java.io.UncheckedIOException e) {
      String code = ServerTargets.ioErrorCode(e);
      if (code.equals("connection_refused") || code.equals("unknown_host")) {
        return "nothing listens at " + metrics.url() + " (" + code + "); start the server first: "
            + "java -jar officehours-examples/target/officehours-examples.jar serve --rate-limit off "
            + "--max-connections-per-client off";
      }
      return null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The target's counters of this run only: numbers (and maps of numbers) minus their values before it. */
  static Map<String, Object> since(Map<String, Object> before, Map<String, Object> after) {
    Map<String, Object> diff = new LinkedHashMap<>();
    after.forEach((key, value) -> {
      Object old = before.get(key);
      if (value instanceof Long a && old instanceof Long b) {
        diff.put(key, a - b);
      } else if (value instanceof Map<?, ?> a && old instanceof Map<?, ?> b) {
        Map<String, Object> m = new TreeMap<>();
        a.forEach((k, v) -> {
          Object o = b.get(k);
          long d = v instanceof Long x ? x - (o instanceof Long y ? y : 0L) : 0L;
          if (d != 0) {
            m.put(String.valueOf(k), d);
          }
        });
        diff.put(key, m);
      } else {
        diff.put(key, value);
      }
    });
    return diff;
  }

  private static void runClosed(LoadTarget target, LoadPlan.Closed plan, QuestionMix mix, LoadStats stats) {
    // Callbacks hand the next turn to this executor, so a target that completes synchronously
    // cannot grow the stack one frame per turn; it also times the ramp-up and think times.
    ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loadtest-driver");
      t.setDaemon(true);
      return t;
    });
    try {
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      String run = Long.toString(System.nanoTime() % 100_000, 36);
      for (int c = 0; c < plan.clients(); c++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        clients.add(done);
        String session = "load-" + run + "-" + c;
        driver.schedule(new Runnable() {
          int sent;

          @Override
          public void run() {
            if (sent == plan.requestsPerClient()) {
              target.sessionEnded(session);
              done.complete(null);
              return;
            }
            sent++;
            long intended = System.nanoTime();
            stats.sent();
            target.send(session, mix.next()).whenComplete((sample, error) -> {
              if (sample != null) {
                // a closed-model client sends when it is ready: it is never late by design
                stats.record(sample, sample.startedNanos());
              } else {
                stats.record(failure(intended, error), intended);
              }
              if (plan.thinkTime().isZero() || sent == plan.requestsPerClient()) {
                driver.execute(this);
              } else {
                driver.schedule(this, plan.thinkTime().toNanos(), TimeUnit.NANOSECONDS);
              }
            });
          }
        }, plan.startOf(c).toNanos(), TimeUnit.NANOSECONDS);
      }
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).join();
    } finally {
      driver.shutdownNow();
    }
  }

  private static void runOpen(LoadTarget target, LoadPlan.Open plan, QuestionMix mix, LoadStats stats) {
    long turns = plan.turns();
    long period = (long) (1e9 / plan.ratePerSecond());
    CountDownLatch finished = new CountDownLatch((int) Math.min(Integer.MAX_VALUE, turns));
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loadtest-sender");
      t.setDaemon(true);
      return t;
    });
    long t0 = System.nanoTime() + 5_000_000;
    AtomicLong next = new AtomicLong();
    String run = Long.toString(System.nanoTime() % 100_000, 36);
    try {
      Runnable tick = new Runnable() {
        @Override
        public void run() {
          long now = System.nanoTime();
          long i = next.get();
          // send every turn whose time has come, each stamped with its own scheduled time
          while (i < turns && t0 + i * period <= now) {
            long intended = t0 + i * period;
            stats.sent();
            long sentAt = System.nanoTime();
            String session = "load-" + run + "-" + i;
            target.send(session, mix.next()).whenComplete((sample, error) -> {
              // a failure starts when it was really sent, so a late send counts as late
              stats.record(sample != null ? sample : failure(sentAt, error), intended);
              target.sessionEnded(session);
              finished.countDown();
            });
            i++;
            now = System.nanoTime();
          }
          next.set(i);
          if (i < turns) {
            sender.schedule(this, t0 + i * period - now, TimeUnit.NANOSECONDS);
          }
        }
      };
      sender.schedule(tick, t0 - System.nanoTime(), TimeUnit.NANOSECONDS);
      // every target ends its turns by a deadline of its own (the client's --turn-timeout, the
      // pipeline's); this margin only stops a run whose target broke that promise
      long waitNanos = plan.duration().toNanos() + TimeUnit.MINUTES.toNanos(15);
      if (!finished.await(waitNanos, TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(LoadReport.count(finished.getCount(), "turn") + " did not finish within "
            + Duration.ofNanos(waitNanos).toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      sender.shutdownNow();
    }
  }

  private static TurnSample failure(long sentAt, Throwable error) {
    long now = System.nanoTime();
    return new TurnSample(sentAt, -1, -1, now, List.of(), 0, 0, false, PipelineTarget.errorCode(error),
        String.valueOf(error));
  }

  private static void awaitQuietly(ExecutorService executor) {
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * How a run shows its progress on standard error: a bar redrawn in place on a terminal, or a
   * plain line now and then where carriage returns would litter a file or a log.
   *
   * @param out where it is shown
   * @param live whether it is the bar
   * @param interval time between frames or lines
   */
  record Progress(PrintStream out, boolean live, Duration interval) {
    static Progress bar(PrintStream out) {
      return new Progress(out, true, Duration.ofMillis(250));
    }

    static Progress lines(PrintStream out, Duration interval) {
      return new Progress(out, false, interval);
    }

    void show(LoadStats stats, long expected, long start) {
      if (live) {
        out.print("\r" + frame(stats, expected, start));
      } else {
        out.println("progress: " + figures(stats, expected, start).replace("  ", ", "));
      }
      out.flush();
    }

    /** The bar's last frame stays, its line finished; plain lines end with one for the whole run. */
    void finish(LoadStats stats, long expected, long start) {
      show(stats, expected, start);
      if (live) {
        out.println();
      }
    }
  }

  /** A frame of the live bar: {@code [#####.....] 12/30 turns  4.1/s  errors 0  p99 TTFA 640 ms}. */
  static String frame(LoadStats stats, long expected, long start) {
    long done = stats.finishedCount();
    int width = 30;
    int filled = (int) Math.min(width, expected == 0 ? width : done * width / expected);
    // trailing spaces blank out what a longer earlier frame left
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + figures(stats, expected, start) + "   ";
  }

  private static String figures(LoadStats stats, long expected, long start) {
    long done = stats.finishedCount();
    double seconds = (System.nanoTime() - start) / 1e9;
    return String.format(Locale.ROOT, "%d/%s  %.1f/s  errors %d  p99 TTFA %s", done,
        LoadReport.count(expected, "turn"), seconds > 0 ? done / seconds : 0, stats.failedCount(),
        stats.p99TtfaMillis().isPresent() ? String.format(Locale.ROOT, "%.0f ms", stats.p99TtfaMillis().getAsDouble())
            : "-");
  }

  static LoadPlan plan(Args args) {
    boolean open = args.has("rate") || args.has("duration");
    boolean closed = args.has("concurrent-clients") || args.has("requests-per-client");
    boolean latency = args.has("latency-tests");
    if ((open ? 1 : 0) + (closed ? 1 : 0) + (latency ? 1 : 0) > 1) {
      throw new UsageException("choose one load model: --latency-tests N, or --concurrent-clients C "
          + "--requests-per-client R, or --rate R/s --duration D");
    }
    if (open && (args.has("ramp-up") || args.has("think-time"))) {
      throw new UsageException("--ramp-up and --think-time pace the closed model; the open model sends on its "
          + "schedule (--rate)");
    }
    if (open) {
      String rate = args.get("rate", "10/s").trim().toLowerCase(Locale.ROOT);
      String number = rate.endsWith("/s") ? rate.substring(0, rate.length() - 2)
          : rate.endsWith("/m") || rate.endsWith("/min") ? rate.substring(0, rate.indexOf('/')) : rate;
      double perSecond;
      try {
        perSecond = Double.parseDouble(number.trim()) / (rate.contains("/m") ? 60 : 1);
      } catch (NumberFormatException e) {
        throw new UsageException("--rate must look like 50/s, 120/m or 50 but was '" + args.get("rate", "") + "'");
      }
      try {
        return new LoadPlan.Open(perSecond, args.getDuration("duration", Duration.ofSeconds(10)));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--rate/--duration: " + e.getMessage());
      }
    }
    Duration rampUp = args.getDuration("ramp-up", Duration.ZERO);
    Duration thinkTime = args.getDuration("think-time", Duration.ZERO);
    try {
      if (closed) {
        return new LoadPlan.Closed(args.getInt("concurrent-clients", 10, 1, 100_000),
            args.getInt("requests-per-client", 5, 1, 1_000_000), rampUp, thinkTime);
      }
      return new LoadPlan.Closed(1, args.getInt("latency-tests", 20, 1, 1_000_000), rampUp, thinkTime);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--ramp-up/--think-time: " + e.getMessage());
    }
  }

  static List<LoadReport.GateCheck> gate(Args args) {
    List<LoadReport.GateCheck> gate = new ArrayList<>();
    addMillis(gate, args, "max-p99-ttfa", LoadReport.GateMetric.P99_TTFA);
    addMillis(gate, args, "max-p99-ttft", LoadReport.GateMetric.P99_TTFT);
    addMillis(gate, args, "max-p99-total", LoadReport.GateMetric.P99_TOTAL);
    addMillis(gate, args, "max-p99-gap", LoadReport.GateMetric.P99_GAP);
    if (args.has("max-error-rate")) {
      gate.add(new LoadReport.GateCheck(LoadReport.GateMetric.ERROR_RATE, 100 * args.getFraction("max-error-rate", 0)));
    }
    return gate;
  }

  private static void addMillis(List<LoadReport.GateCheck> gate, Args args, String flag, LoadReport.GateMetric metric) {
    if (args.has(flag)) {
      gate.add(new LoadReport.GateCheck(metric, args.getDuration(flag, Duration.ZERO).toNanos() / 1e6));
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return all;
  }

  /** The flags, for {@code --help}. */
  static String usage() {
    return String.join("\n",
        "Usage: loadtest [load model] [questions] [target settings] [gate] [--report DIR]",
        "",
        "Load model (choose one; default --latency-tests 20):",
        "  --latency-tests N                       one client, N sequential turns",
        "  --concurrent-clients C --requests-per-client R",
        "                                          closed model: C clients, each waits for its answer",
        "  --rate 50/s --duration 60s              open model: turns on a fixed schedule, latency from",
        "                                          the scheduled time (no coordinated omission)",
        "  --ramp-up 20s --think-time 5s           closed model: clients start spread over 20 s and pause",
        "                                          5 s between an answer and their next question",
        "  --warmup N                              N unrecorded turns first (JIT, connections)",
        "Questions:",
        "  --questions FILE                        lines of 'weight | question' (or just the question)",
        "  --repeat-ratio 30%                      share of turns repeating an earlier question verbatim",
        "  --seed N                                repeatable question order and fault draws",
        "Target:",
        "  --target inprocess                      (default) the pipeline in this process over the simulated",
        "                                          OpenAI-compatible server, set up by the flags below",
        "  --target ws://127.0.0.1:5001/chat/ws    the example server over WebSocket",
        "  --target http://127.0.0.1:5001/chat/stream",
        "                                          the example server over SSE (start it for load tests with",
        "                                          serve --rate-limit off --max-connections-per-client off)",
        "  --turn-timeout 60s                      server targets: the client's wait for a turn's end",
        "  --scrape-interval 1s                    server targets: GET /chat/metrics before, after and every",
        "                                          interval during the run (0: before and after only)",
        "  --no-server-metrics                     server targets: do not scrape the server's metrics",
        "In-process target only:",
        "  --llm-ttft 300ms --token-interval 20ms --token-jitter 5ms --answer-words N",
        "  --tts-ttfb 200ms --tts-realtime-factor 0.25",
        "  --fault-rate 0% --tts-fault-rate 0%     injected HTTP 500/429/503 and mid-stream errors",
        "  --retries 0                             provider retries per call (0: faults show 1:1)",
        "  --tts-concurrency 3 --turn-timeout 30s  (the pipeline's turn deadline)",
        "  --tts-cache --answer-cache              in-memory caches (answer cache keyed as an FAQ)",
        "  --tools                                 the example server's office-hours tool, as its demo",
        "                                          pipeline has (to compare with a server like for like)",
        "Regression gate (exit 1 when breached):",
        "  --max-p99-ttfa 1500ms --max-p99-ttft D --max-p99-total D --max-p99-gap D --max-error-rate 1%",
        "Output:",
        "  --report DIR                            also write DIR/report.md and DIR/report.json",
        "  --no-progress                           no progress on standard error (by default a live bar on a",
        "                                          terminal, else a plain line every 10 s)",
        "  --progress                              the live bar even when standard error is not a terminal",
        "  --help, -h                              this text",
        "Soak (exit 1 when a criterion fails; see docs/load-testing.md, Soak):",
        "  --soak                                  many turns at a steady concurrency with 5 % injected faults:",
        "                                          0 unexpected errors, heap after GC and threads flat. Defaults:",
        "                                          --concurrent-clients 50 --turns 10000 --warmup 500",
        "                                          --llm-ttft 100ms --token-interval 5ms --token-jitter 1ms",
        "                                          --tts-ttfb 50ms --tts-realtime-factor 0.05 --fault-rate 5%",
        "                                          --tts-fault-rate 5% --retries 1 (each flag still sets its value)",
        "  --turns N                               turns in all, over every client",
        "  --sample-every N                        turns between samples (default turns/20); the load drains first",
        "  --max-heap-growth 10%                   last quarter's mean heap after GC over the first quarter's",
        "  --max-thread-growth 16                  more live threads allowed in the last sample than the first",
        "",
        "Exit codes: 0 ok, 1 gate breached, 2 usage error, 3 could not run.");
  }
}
