package dev.officehours.examples.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs the systems against one simulator, interleaved: at each concurrency, round after round,
 * every system runs one batch of that many turns started at once, so drift of the machine hits all
 * systems alike. The first batch of each system at each level is a warm-up and is not counted.
 */
final class BenchRun {
  private final SimulatorProcess sim;
  private final List<String> questions;
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

  BenchRun(SimulatorProcess sim, List<String> questions) {
    this.sim = sim;
    this.questions = List.copyOf(questions);
  }

  /**
   * Measures every system at one concurrency.
   *
   * @param systems makes each system for this concurrency (its pools sized for it); closed after
   * @param rounds measured batches per system
   */
  List<BatchResult> level(List<Function<Integer, VoiceSystem>> systems, int concurrency, int rounds, boolean caches,
      java.io.PrintStream log) throws IOException, InterruptedException {
    List<VoiceSystem> live = new ArrayList<>();
    for (Function<Integer, VoiceSystem> s : systems) {
      live.add(s.apply(concurrency));
    }
    Map<String, Acc> acc = new LinkedHashMap<>();
    try {
      for (int round = 0; round <= rounds; round++) {
        for (VoiceSystem system : live) {
          Batch b = batch(system, concurrency, round);
          if (round > 0) {
            acc.computeIfAbsent(system.id(), k -> new Acc()).add(b);
          }
          log.printf(java.util.Locale.ROOT, "  %-5s c=%-5d round %d: TTFA p50 %.0f ms, cpu %.2f ms/turn (JIT %.2f), errors %d%n",
              system.id(), concurrency, round, b.ttfaP50(), b.cpuNanos / 1e6 / concurrency, b.jitNanos / 1e6 / concurrency, b.errors);
        }
      }
    } finally {
      for (VoiceSystem s : live) {
        s.close();
      }
    }
    List<BatchResult> out = new ArrayList<>();
    acc.forEach((id, a) -> out.add(a.result(id, concurrency, caches)));
    return out;
  }

  private Batch batch(VoiceSystem system, int concurrency, int round) throws IOException, InterruptedException {
    System.gc();
    SimulatorProcess.Counters simBefore = sim.counters();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    long cpuBefore = os.getProcessCpuTime();
    long jitBefore = jitMillis();
    // Every system of the level is alive during each batch, and on Java 17 their pools keep idle
    // threads for a minute: the process's thread count alone would charge one system's idle pool to
    // the next. A batch is charged the threads it started plus the earlier ones that ran during it.
    long[] threadIdsBefore = threads.getAllThreadIds();
    long[] threadCpuBefore = threadCpu(threadIdsBefore);
    threads.resetPeakThreadCount();
    List<TurnProbe> probes = new ArrayList<>(concurrency);
    sim.chatArrivals(); // drop any left from before this batch
    long peakHeap = heapBefore;
    for (int i = 0; i < concurrency; i++) {
      TurnProbe probe = new TurnProbe();
      probes.add(probe);
      // every system gets the same questions in the same round
      String q = questions.get(questionIndex(round, concurrency, i, questions.size()));
      try {
        system.turn(q, probe);
      } catch (RuntimeException e) {
        probe.fail(e);
      }
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(probes.stream().map(TurnProbe::done).toArray(CompletableFuture[]::new));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!all.isDone()) {
      try {
        all.get(20, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
        if (System.nanoTime() > deadline) {
          break;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        break;
      }
    }
    long cpu = os.getProcessCpuTime() - cpuBefore;
    long jit = jitMillis() - jitBefore;
    SimulatorProcess.Counters simAfter = sim.counters();
    Batch b = new Batch();
    b.cpuNanos = cpu;
    b.jitNanos = jit * 1_000_000L;
    b.newConnections = simAfter.connectionsOpened() - simBefore.connectionsOpened();
    b.simCpuNanos = simAfter.cpuNanos() - simBefore.cpuNanos();
    b.peakThreads = threads.getPeakThreadCount();
    long[] threadCpuAfter = threadCpu(threadIdsBefore);
    int earlierThatRan = 0;
    for (int i = 0; i < threadIdsBefore.length; i++) {
      if (threadCpuAfter[i] > threadCpuBefore[i] && threadCpuBefore[i] >= 0) {
        earlierThatRan++;
      }
    }
    b.threadsUsed = earlierThatRan + Math.max(0, b.peakThreads - threadIdsBefore.length);
    b.heapGrowth = Math.max(0, peakHeap - heapBefore);
    b.turns = concurrency;
    b.startToWire.addAll(startToWire(probes, sim.chatArrivals()));
    for (TurnProbe p : probes) {
      if (p.done().isDone() && p.ok()) {
        b.ttfa.add(p.ttfaMillis());
        b.total.add(p.totalMillis());
        b.audioBytes += p.audioBytes();
      } else {
        b.errors++;
        if (b.errorSamples.size() < 3) {
          b.errorSamples.add(p.done().isDone() ? p.error() : "not finished in 120 s");
        }
      }
    }
    return b;
  }

  /**
   * The JVM's time spent compiling so far (its JIT threads; the JVM's own approximation), or 0
   * where it does not say.
   */
  private static long jitMillis() {
    java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
  }

  /**
   * From each turn's start to its chat request's arrival: the k-th earliest start matched with the
   * k-th earliest arrival. Exact for one turn; for a batch it pairs the two distributions, which
   * is what a percentile needs. Empty when the counts differ (answers from the cache, retries).
   */
  static List<Double> startToWire(List<TurnProbe> probes, List<Long> arrivals) {
    if (arrivals.size() != probes.size()) {
      return List.of();
    }
    long[] starts = probes.stream().mapToLong(TurnProbe::startNanos).sorted().toArray();
    long[] arrived = arrivals.stream().mapToLong(Long::longValue).sorted().toArray();
    List<Double> out = new ArrayList<>(starts.length);
    for (int i = 0; i < starts.length; i++) {
      out.add((arrived[i] - starts[i]) / 1e6);
    }
    return out;
  }

  /**
   * Runs each system for {@code turns} turns, {@code concurrency} at a time, before anything is
   * measured: the JIT compiles every system's paths, so that CPU per turn is the steady state's.
   */
  void warmUp(List<Function<Integer, VoiceSystem>> systems, int turns, int concurrency, java.io.PrintStream log)
      throws IOException, InterruptedException {
    if (turns <= 0) {
      return;
    }
    for (Function<Integer, VoiceSystem> factory : systems) {
      VoiceSystem system = factory.apply(concurrency);
      try {
        long started = System.nanoTime();
        for (int done = 0, round = 0; done < turns; done += concurrency, round++) {
          batch(system, concurrency, round);
        }
        log.printf(java.util.Locale.ROOT, "  %-5s warmed up: %d turns in %.0f s%n", system.id(), turns,
            (System.nanoTime() - started) / 1e9);
      } finally {
        system.close();
      }
    }
  }

  /** Which question a turn asks: the same for every system in the same round. */
  static int questionIndex(int round, int concurrency, int turn, int questions) {
    return (int) (((long) round * concurrency + turn) % questions);
  }

  /** Each thread's CPU time, -1 for one that has ended (or when the JVM does not measure it). */
  private long[] threadCpu(long[] ids) {
    if (threads instanceof com.sun.management.ThreadMXBean bulk && bulk.isThreadCpuTimeEnabled()) {
      return bulk.getThreadCpuTime(ids);
    }
    long[] cpu = new long[ids.length];
    java.util.Arrays.fill(cpu, -1);
    return cpu;
  }

  private static final class Batch {
    final List<Double> ttfa = new ArrayList<>();
    final List<Double> total = new ArrayList<>();
    final List<String> errorSamples = new ArrayList<>();
    int errors;
    int turns;
    long cpuNanos;
    long jitNanos;
    long simCpuNanos;
    int peakThreads;
    int threadsUsed;
    long heapGrowth;
    long audioBytes;
    long newConnections;
    final List<Double> startToWire = new ArrayList<>();

    double ttfaP50() {
      return Stats.percentile(ttfa, 50);
    }
  }

  private static final class Acc {
    final List<Double> ttfa = new ArrayList<>();
    final List<Double> total = new ArrayList<>();
    final List<String> errorSamples = new ArrayList<>();
    int errors;
    int turns;
    long cpuNanos;
    long jitNanos;
    long simCpuNanos;
    int peakThreads;
    int threadsUsed;
    double heapPerTurn;
    long audioBytes;
    int batches;
    long newConnections;
    final List<Double> startToWire = new ArrayList<>();

    void add(Batch b) {
      ttfa.addAll(b.ttfa);
      total.addAll(b.total);
      startToWire.addAll(b.startToWire);
      errors += b.errors;
      if (errorSamples.size() < 3) {
        errorSamples.addAll(b.errorSamples);
      }
      turns += b.turns;
      cpuNanos += b.cpuNanos;
      jitNanos += b.jitNanos;
      simCpuNanos += b.simCpuNanos;
      peakThreads = Math.max(peakThreads, b.peakThreads);
      threadsUsed = Math.max(threadsUsed, b.threadsUsed);
      heapPerTurn = Math.max(heapPerTurn, (double) b.heapGrowth / b.turns);
      audioBytes += b.audioBytes;
      newConnections += b.newConnections;
      batches++;
    }

    BatchResult result(String id, int concurrency, boolean caches) {
      int ok = Math.max(1, ttfa.size());
      return new BatchResult(id, concurrency, caches, ttfa, total, errors, errorSamples, (double) cpuNanos / turns,
          (double) simCpuNanos / turns, threadsUsed, heapPerTurn, 10.0 * newConnections / turns, (double) audioBytes / ok,
          peakThreads, startToWire, (double) jitNanos / turns);
    }
  }
}
