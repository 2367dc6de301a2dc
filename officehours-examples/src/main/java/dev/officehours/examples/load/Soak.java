package dev.officehours.examples.load;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.examples.Args;
import dev.officehours.examples.Args.UsageException;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.metrics.TurnOutcome;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

/**
 * The soak: {@code loadtest --soak} runs many turns at a steady concurrency against the in-process
 * target with injected faults and checks that nothing accumulates: no error the faults do not
 * explain, every turn ended exactly once, heap after GC and live threads flat. See
 * {@code docs/load-testing.md}, "Soak".
 *
 * <p>It is a mode of {@code loadtest} rather than a command of its own because everything but the
 * checks is the load tester's: the in-process target and its flags, the closed model, the report.
 * The mode changes the defaults (faster simulated timing, 5 % faults, 50 clients, 10,000 turns),
 * drains the load for each sample, and adds the soak's section to the report.
 */
final class Soak {
  /** Flags only the soak reads. */
  static final Set<String> VALUED = Set.of("turns", "sample-every", "max-heap-growth", "max-thread-growth");
  /** The switch that selects it. */
  static final Set<String> SWITCHES = Set.of("soak");
  /** Load-model flags a soak does not take: it is a closed model with a number of turns in all. */
  private static final List<String> REFUSED = List.of("requests-per-client", "latency-tests", "rate", "duration",
      "ramp-up", "think-time");

  static final int DEFAULT_CLIENTS = 50;
  static final int DEFAULT_TURNS = 10_000;
  static final int DEFAULT_WARMUP = 500;
  /** Samples in a run when {@code --sample-every} is not given (plus the one after the warm-up). */
  static final int DEFAULT_SAMPLES = 20;
  static final double DEFAULT_MAX_HEAP_GROWTH = 0.10;
  /**
   * More live threads the last sample may have than the first: the HTTP clients' thread pools
   * grow with the calls in flight and shrink after a minute idle, so the count at a sample moves
   * with the last minute's peak.
   */
  static final int DEFAULT_MAX_THREAD_GROWTH = 16;
  /** How much longer than the pipeline's turn deadline a turn may take before it counts as never ended. */
  static final Duration WATCHDOG_MARGIN = Duration.ofSeconds(30);

  private Soak() {}

  /**
   * The in-process target's settings when the soak is not told otherwise: faster than {@code
   * loadtest}'s (so 10,000 turns take minutes, not an hour), with 5 % of chat and speech requests
   * failing and one provider retry, as the providers' default policy has.
   *
   * @param seed the run's seed
   * @return TTFT 100 ms, a token every 5 ± 1 ms, natural answers, TTS TTFB 50 ms, real-time factor
   *     0.05, faults 5 % (chat) and 5 % (speech), 1 retry, 3 syntheses in flight, a 30 s turn deadline, no caches
   */
  static InProcessTarget.Options defaults(long seed) {
    return new InProcessTarget.Options(Duration.ofMillis(100), Duration.ofMillis(5), Duration.ofMillis(1), 0,
        Duration.ofMillis(50), 0.05, 0.05, 0.05, seed, 1, 3, Duration.ofSeconds(30), false, false, false);
  }

  /**
   * What a soak runs and checks.
   *
   * @param clients concurrent clients (closed model)
   * @param turns turns in all, over every client
   * @param warmup unrecorded turns first, at the same concurrency
   * @param sampleEvery turns between samples
   * @param maxHeapGrowth the largest growth of the heap after GC allowed, last quarter over first
   * @param maxThreadGrowth how many more threads the last sample may have than the first
   */
  record Settings(int clients, int turns, int warmup, int sampleEvery, double maxHeapGrowth, int maxThreadGrowth) {
    String describe() {
      return String.format(Locale.ROOT, "soak: closed model, %d concurrent clients, %d turns in all after %d "
          + "warm-up turns, drained and sampled every %d turns", clients, turns, warmup, sampleEvery);
    }
  }

  /**
   * Reads the soak's flags.
   *
   * @param args the parsed flags
   * @return the settings
   * @throws UsageException naming the flag, when one is malformed or does not apply
   */
  static Settings settings(Args args) {
    for (String flag : REFUSED) {
      if (args.has(flag)) {
        throw new UsageException("--" + flag + " does not apply to --soak: it is a closed model of "
            + "--concurrent-clients clients sending --turns turns in all");
      }
    }
    if (!args.get("target", "inprocess").trim().equals("inprocess")) {
      throw new UsageException("--soak drives the in-process target only: it needs the simulator's injected faults "
          + "and the pipeline's heap and threads in this JVM");
    }
    int clients = args.getInt("concurrent-clients", DEFAULT_CLIENTS, 1, 10_000);
    int turns = args.getInt("turns", DEFAULT_TURNS, 1, 100_000_000);
    int warmup = args.getInt("warmup", DEFAULT_WARMUP, 0, 1_000_000);
    int sampleEvery = args.getInt("sample-every", Math.max(1, turns / DEFAULT_SAMPLES), 1, Integer.MAX_VALUE);
    if ((turns + sampleEvery - 1) / sampleEvery < 4) {
      throw new UsageException("--sample-every " + sampleEvery + " leaves fewer than 4 samples in " + turns
          + " turns: the heap check compares the last quarter of the samples with the first");
    }
    return new Settings(clients, turns, warmup, sampleEvery, args.getFraction("max-heap-growth", DEFAULT_MAX_HEAP_GROWTH),
        args.getInt("max-thread-growth", DEFAULT_MAX_THREAD_GROWTH, 0, 100_000));
  }

  /**
   * Runs {@code loadtest --soak}: prints the load test's report and the soak's section, and
   * returns {@link LoadTester#EXIT_GATE_BREACHED} when a soak criterion (or a gate check) failed.
   *
   * @param args the parsed flags, {@code --soak} among them
   * @param out where the report goes
   * @param err where progress and notices go
   * @param progressLineInterval time between plain progress lines
   * @return the exit code
   */
  static int run(Args args, PrintStream out, PrintStream err, Duration progressLineInterval) {
    Settings soak;
    InProcessTarget.Options options;
    QuestionMix mix;
    double repeatRatio;
    List<LoadReport.GateCheck> gate;
    try {
      soak = settings(args);
      repeatRatio = args.getFraction("repeat-ratio", 0.3);
      long seed = args.getInt("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
      if (args.has("questions")) {
        throw new UsageException("--questions does not apply to --soak: the simulated model knows the built-in mix");
      }
      mix = new QuestionMix(QuestionMix.builtIn(), repeatRatio, seed);
      options = InProcessTarget.options(args, defaults(seed));
      if (args.has("progress") && args.has("no-progress")) {
        throw new UsageException("choose --progress or --no-progress, not both");
      }
      gate = LoadTester.gate(args);
    } catch (UsageException | IllegalArgumentException e) {
      err.println("loadtest: " + e.getMessage());
      err.println("Run with --help for the flags.");
      return LoadTester.EXIT_USAGE;
    }
    Counting observer = new Counting();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    try (PipelineTarget target = InProcessTarget.create(options, observer)) {
      LoadTester.Progress progress = args.has("no-progress") ? null
          : args.has("progress") || Terminal.stderrIsTerminal() ? LoadTester.Progress.bar(err)
          : LoadTester.Progress.lines(err, progressLineInterval);
      LoadReport.Settings settings = new LoadReport.Settings(soak.describe(), target.describe(), repeatRatio,
          options.ttsCache(), options.answerCache(), options.retries(), options.ttsConcurrency());
      SoakReport report = measure(target, observer, soak, mix, settings, gate, options.turnTimeout(), progress, err,
          loadBefore);
      out.print(report.load().markdown());
      out.print(report.markdown());
      if (args.has("report")) {
        Path dir = Path.of(args.get("report", ""));
        List<Path> files = new ArrayList<>(report.load().write(dir));
        files.addAll(report.write(dir));
        err.println("Reports written to " + files.stream().map(Path::toString).collect(Collectors.joining(", ")));
      }
      return report.passed() && report.load().gatePassed() ? LoadTester.EXIT_OK : LoadTester.EXIT_GATE_BREACHED;
    } catch (RuntimeException e) {
      err.println("loadtest: the soak could not run: " + e);
      return LoadTester.EXIT_FAILED;
    }
  }

  /**
   * Warms up, then runs the measured soak, sampling as it goes.
   *
   * @param target the in-process target, built with {@code observer}
   * @param observer counts the pipeline's turns and errors
   * @param soak what to run
   * @param mix the questions
   * @param settings for the load test's report
   * @param gate the regression gate's limits, maybe none
   * @param turnTimeout the pipeline's turn deadline; a turn not ended by it plus {@link #WATCHDOG_MARGIN} never ended
   * @param progress where progress goes, or {@code null}
   * @param err where notices go
   * @param loadBefore the system load average before the target started
   * @return the report
   */
  static SoakReport measure(PipelineTarget target, Counting observer, Settings soak, QuestionMix mix,
      LoadReport.Settings settings, List<LoadReport.GateCheck> gate, Duration turnTimeout,
      LoadTester.Progress progress, PrintStream err, double loadBefore) {
    Duration watchdog = turnTimeout.plus(WATCHDOG_MARGIN);
    // one driver for the warm-up and the run, and the progress thread started before either: the
    // threads the soak itself needs exist before the first sample counts them
    ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-driver");
      t.setDaemon(true);
      return t;
    });
    ScheduledExecutorService bar = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loadtest-progress");
      t.setDaemon(true);
      return t;
    });
    try {
      if (soak.warmup() > 0) {
        if (err != null) {
          err.println("Warming up with " + LoadReport.count(soak.warmup(), "turn") + " (not recorded)...");
        }
        new Run(driver, target, target::activeTurns, new QuestionMix(QuestionMix.builtIn(), settings.repeatRatio(), 7, "w"),
            new LoadStats(), Math.min(soak.clients(), soak.warmup()), soak.warmup(), 0, watchdog).execute();
      }
      observer.reset();
      long extraEndsBefore = target.extraEnds();
      long eventsAfterEndBefore = target.eventsAfterEnd();
      Map<String, Object> targetBefore = target.stats();
      LoadStats stats = new LoadStats();
      Instant startedAt = Instant.now();
      long start = System.nanoTime();
      if (progress != null) {
        long period = progress.interval().toNanos();
        bar.scheduleAtFixedRate(() -> progress.show(stats, soak.turns(), start), progress.live() ? 0 : period, period,
            TimeUnit.NANOSECONDS);
      }
      Run run = new Run(driver, target, target::activeTurns, mix, stats, soak.clients(), soak.turns(), soak.sampleEvery(), watchdog);
      List<SoakReport.Sample> series;
      try {
        series = run.execute();
      } finally {
        if (progress != null) {
          bar.shutdownNow();
          awaitQuietly(bar);
          progress.finish(stats, soak.turns(), start);
        }
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      LoadReport load = new LoadReport(settings, stats, startedAt, elapsed,
          LoadTester.since(targetBefore, target.stats()), gate, null);
      double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      SoakReport.Integrity integrity = new SoakReport.Integrity(target.extraEnds() - extraEndsBefore,
          target.eventsAfterEnd() - eventsAfterEndBefore, observer.started.sum(), observer.ended.sum());
      return new SoakReport(header(soak, loadBefore, loadAfter), load, elapsed, Duration.ofNanos(run.samplingNanos),
          series, observer.errors(), observer.examples(), integrity, soak.maxHeapGrowth(), soak.maxThreadGrowth());
    } finally {
      bar.shutdownNow();
      driver.shutdownNow();
    }
  }

  private static List<String> header(Settings soak, double loadBefore, double loadAfter) {
    Runtime rt = Runtime.getRuntime();
    String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
        .collect(Collectors.joining(", "));
    return List.of(
        String.format(Locale.ROOT, "Java %s (%s), GC %s, max heap %d MB, %d processors; system load average %.2f "
                + "before, %.2f after", Runtime.version(), System.getProperty("java.vm.name"), gcs,
            rt.maxMemory() / 1048576, rt.availableProcessors(), loadBefore, loadAfter),
        String.format(Locale.ROOT, "%d turns by %d concurrent clients after %d warm-up turns; a sample every %d "
                + "turns; heap after GC may grow %.0f %% (last quarter of the samples over the first), live threads by %d",
            soak.turns(), soak.clients(), soak.warmup(), soak.sampleEvery(), 100 * soak.maxHeapGrowth(),
            soak.maxThreadGrowth()));
  }

  private static void awaitQuietly(ScheduledExecutorService executor) {
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Heap in use right after a full collection: {@link System#gc()}, then the usage each heap pool
   * had after its last collection (which that call just made), so allocation after the collection
   * does not count; the heap's usage when no pool reports one.
   *
   * @return bytes
   */
  static long heapAfterGc() {
    System.gc();
    long used = 0;
    boolean any = false;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
      if (after != null) {
        used += after.getUsed();
        any = true;
      }
    }
    return any ? used : ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * The closed model with a budget of turns in all, and a drain before each sample: when a sample is
   * due, clients wait instead of sending until no turn is in flight, so the heap is measured without
   * the buffers of turns in progress. Every client's state is touched on the driver thread only.
   */
  static final class Run {
    private final ScheduledExecutorService driver;
    private final LoadTarget target;
    private final IntSupplier activeTurns;
    private final QuestionMix mix;
    private final LoadStats stats;
    private final int clients;
    private final long turns;
    private final long sampleEvery;
    private final Duration watchdog;
    private final CompletableFuture<List<SoakReport.Sample>> done = new CompletableFuture<>();
    private final List<SoakReport.Sample> series = new ArrayList<>();
    private final List<Client> parked = new ArrayList<>();
    private final String run = Long.toString(System.nanoTime() % 100_000, 36);
    private long start;
    private long sent;
    private int inFlight;
    private int finishedClients;
    private long nextSample;
    private long drainStart = -1;
    long samplingNanos;

    /**
     * A run.
     *
     * @param driver the thread every client's state is handled on
     * @param target what to drive
     * @param activeTurns the target's turns in flight, for the samples
     * @param mix the questions
     * @param stats records every turn
     * @param clients concurrent clients
     * @param turns turns in all
     * @param sampleEvery turns between samples, 0 for none at all (the warm-up)
     * @param watchdog how long a turn may take before it counts as never ended
     */
    Run(ScheduledExecutorService driver, LoadTarget target, IntSupplier activeTurns, QuestionMix mix, LoadStats stats,
        int clients, long turns, long sampleEvery, Duration watchdog) {
      this.driver = driver;
      this.target = target;
      this.activeTurns = activeTurns;
      this.mix = mix;
      this.stats = stats;
      this.clients = clients;
      this.turns = turns;
      this.sampleEvery = sampleEvery;
      this.watchdog = watchdog;
      this.nextSample = sampleEvery == 0 ? Long.MAX_VALUE : sampleEvery;
    }

    /** Runs every turn and returns the samples: one before the first turn, one per drain, one after the last. */
    List<SoakReport.Sample> execute() {
      driver.execute(guarded(() -> {
        start = System.nanoTime();
        sample();
        for (int c = 0; c < clients; c++) {
          driver.execute(new Client("soak-" + run + "-" + c));
        }
      }));
      return done.join();
    }

    private Runnable guarded(Runnable r) {
      return () -> {
        try {
          r.run();
        } catch (RuntimeException | Error e) {
          done.completeExceptionally(e);
        }
      };
    }

    private void sample() {
      if (sampleEvery == 0) {
        return;
      }
      long t0 = System.nanoTime();
      if (drainStart >= 0) {
        samplingNanos += t0 - drainStart;
        drainStart = -1;
      }
      long heap = heapAfterGc();
      int threads = ManagementFactory.getThreadMXBean().getThreadCount();
      series.add(new SoakReport.Sample(stats.finishedCount(), (t0 - start) / 1e9, heap, threads,
          activeTurns.getAsInt()));
      samplingNanos += System.nanoTime() - t0;
    }

    /** One simulated user: asks, waits for the end of the turn, asks again; runs on the driver only. */
    private final class Client implements Runnable {
      final String session;
      boolean waiting;

      Client(String session) {
        this.session = session;
      }

      @Override
      public void run() {
        try {
          step();
        } catch (RuntimeException | Error e) {
          done.completeExceptionally(e);
        }
      }

      private void step() {
        if (waiting) {
          waiting = false;
          inFlight--;
        }
        if (sent == turns) {
          target.sessionEnded(session);
          if (++finishedClients == clients && inFlight == 0) {
            sample();
            done.complete(List.copyOf(series));
          }
          return;
        }
        if (sent == nextSample) {
          if (drainStart < 0) {
            drainStart = System.nanoTime();
          }
          parked.add(this);
          if (inFlight == 0) {
            sample();
            nextSample += sampleEvery;
            List<Client> resume = new ArrayList<>(parked);
            parked.clear();
            resume.forEach(driver::execute);
          }
          return;
        }
        sent++;
        inFlight++;
        waiting = true;
        stats.sent();
        long sentAt = System.nanoTime();
        target.send(session, mix.next()).toCompletableFuture().copy()
            .orTimeout(watchdog.toNanos(), TimeUnit.NANOSECONDS)
            .whenComplete((sample, error) -> {
              stats.record(sample != null ? sample : failure(sentAt, error), sample != null ? sample.startedNanos()
                  : sentAt);
              driver.execute(this);
            });
      }
    }

    private TurnSample failure(long sentAt, Throwable error) {
      Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      boolean never = e instanceof TimeoutException;
      return new TurnSample(sentAt, -1, -1, System.nanoTime(), List.of(), 0, 0, false,
          never ? "turn_never_ended" : PipelineTarget.errorCode(e),
          never ? "no terminal event within " + watchdog.toSeconds() + " s (the turn deadline plus "
              + WATCHDOG_MARGIN.toSeconds() + " s)" : String.valueOf(e));
    }
  }

  /**
   * Counts what the pipeline tells its observers: turns started and ended, and every error a
   * provider or a limit raised, by {@code stage:code}, with the first message of each.
   */
  static final class Counting extends PipelineObserver {
    final LongAdder started = new LongAdder();
    final LongAdder ended = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, String> examples = new ConcurrentHashMap<>();

    @Override
    public void turnStarted(String sessionId, String turnId) {
      started.increment();
    }

    @Override
    public void turnEnded(TurnOutcome outcome, Duration total) {
      ended.increment();
    }

    @Override
    public void error(OfficeHoursException.Stage stage, OfficeHoursException error) {
      String key = stage.name().toLowerCase(Locale.ROOT) + ":" + code(error);
      errors.computeIfAbsent(key, k -> new LongAdder()).increment();
      examples.putIfAbsent(key, String.valueOf(error.getMessage()));
    }

    /** The provider's code, else the load tester's; a generic stage code names the exception too. */
    static String code(OfficeHoursException error) {
      String code = PipelineTarget.errorCode(error);
      return error instanceof ProviderException || !code.endsWith("_error") ? code
          : code + "/" + error.getClass().getSimpleName();
    }

    /** Forgets the warm-up: call with no turn in flight. */
    void reset() {
      started.reset();
      ended.reset();
      errors.clear();
      examples.clear();
    }

    Map<String, Long> errors() {
      Map<String, Long> m = new TreeMap<>();
      errors.forEach((k, v) -> m.put(k, v.sum()));
      return m;
    }

    Map<String, String> examples() {
      return new TreeMap<>(examples);
    }
  }
}
