package dev.officehours.examples.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one run measured on one JVM, as {@code results-java<N>.json} holds it: the machine, the JVM,
 * the settings, and per level and cache setting every system's figures with the simulator's own.
 *
 * @param schema the file's format version
 * @param startedAt when the run began (ISO-8601)
 * @param machine the machine it ran on
 * @param jvm the JVM the systems ran in (the simulator runs in a child JVM of the same Java)
 * @param settings what was asked for
 * @param levels one per concurrency and cache setting, in the order run
 */
record BenchResults(int schema, String startedAt, Machine machine, Jvm jvm, Settings settings, List<Level> levels) {
  static final int SCHEMA = 1;
  static final String FILE_PREFIX = "results-java";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * The machine.
   *
   * @param cores processors the JVM sees
   * @param os name, version and architecture
   * @param cpuModel from /proc/cpuinfo, "unknown" where there is none
   * @param totalMemoryBytes physical memory
   */
  record Machine(int cores, String os, String cpuModel, long totalMemoryBytes) {
    static Machine current() {
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new Machine(Runtime.getRuntime().availableProcessors(),
          System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
          readCpuModel(), os.getTotalMemorySize());
    }

    private static String readCpuModel() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
          if (line.startsWith("model name")) {
            return line.substring(line.indexOf(':') + 1).trim().replaceAll("\\s+", " ");
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or not readable: the model is only a label
      }
      return "unknown";
    }
  }

  /**
   * The JVM.
   *
   * @param feature the Java feature version (17, 25)
   * @param version the full runtime version
   * @param vendor the VM's vendor
   * @param vmName the VM's name
   * @param home the JDK's home directory
   * @param garbageCollectors the collectors' names
   * @param maxHeapBytes the maximum heap
   * @param flags the JVM's input arguments
   * @param httpThreads what the hand-written systems run their HTTP calls on
   * @param threadsAtStart live platform threads before the first system was made
   */
  record Jvm(int feature, String version, String vendor, String vmName, String home, List<String> garbageCollectors,
      long maxHeapBytes, List<String> flags, String httpThreads, int threadsAtStart) {
    static Jvm current() {
      List<String> gcs = new ArrayList<>();
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        gcs.add(gc.getName());
      }
      return new Jvm(Runtime.version().feature(), Runtime.version().toString(), System.getProperty("java.vm.vendor"),
          System.getProperty("java.vm.name"), System.getProperty("java.home"), gcs, Runtime.getRuntime().maxMemory(),
          ManagementFactory.getRuntimeMXBean().getInputArguments(),
          Runtime.version().feature() >= 21 ? "virtual threads" : "a cached pool of platform threads",
          ManagementFactory.getThreadMXBean().getThreadCount());
    }
  }

  /**
   * What was asked for.
   *
   * @param systems the systems' ids
   * @param concurrency the levels
   * @param rounds measured batches per system per level
   * @param caches off, on or both
   * @param llmTtftMs the simulated model's time to first token
   * @param tokenIntervalMs time between its tokens
   * @param tokenJitterMs how much each interval varies either way
   * @param answerWords words per answer (0: each answer's natural length)
   * @param ttsTtfbMs the simulated speech's time to first byte
   * @param ttsRealTimeFactor streaming time over audio duration
   * @param ttsInFlight speech requests in flight per turn, every system
   * @param questions how many different questions the turns ask
   * @param smoke whether this was the smoke run
   */
  record Settings(List<String> systems, List<Integer> concurrency, int rounds, String caches, long llmTtftMs,
      long tokenIntervalMs, long tokenJitterMs, int answerWords, long ttsTtfbMs, double ttsRealTimeFactor,
      int ttsInFlight, int questions, boolean smoke) {
    static Settings of(BenchOptions o, int questions) {
      SimulatorProcess.SimTiming t = o.timing();
      return new Settings(o.systems(), o.concurrency(), o.rounds(), o.caches().flag(), t.ttft().toMillis(),
          t.tokenInterval().toMillis(), t.jitter().toMillis(), t.answerWords(), t.ttsTtfb().toMillis(),
          t.realTimeFactor(), BenchSettings.TTS_IN_FLIGHT, questions, o.smoke());
    }
  }

  /**
   * One concurrency level at one cache setting.
   *
   * @param concurrency turns started at once
   * @param caches whether (a) had its caches
   * @param seconds how long the level took, warm-up included
   * @param idleCpuMsPerSecond the client JVM's CPU while idle just before the level (JIT, GC): its background
   * @param ideal the providers' floor for the first audio
   * @param simulator how the simulator fared
   * @param systems each system's figures, in the order run
   */
  record Level(int concurrency, boolean caches, double seconds, double idleCpuMsPerSecond, Ideal ideal,
      Simulator simulator,
      List<SystemResult> systems) {}

  /**
   * The simulated providers' floor for the time to first audio, averaged over the turns' questions
   * (see {@link IdealTtfa}).
   *
   * @param firstChunkMillis until OfficeHours' chunker cuts the first chunk, plus the TTS first byte
   * @param firstSentenceMillis until the first whole sentence, plus the TTS first byte
   * @param wholeAnswerMillis until the last token, plus the TTS first byte
   */
  record Ideal(double firstChunkMillis, double firstSentenceMillis, double wholeAnswerMillis) {}

  /**
   * The simulator over one level, warm-up batches included.
   *
   * @param cpuMsPerTurn its CPU time per turn it served
   * @param latenessP50Ms how late its writes went out, median
   * @param latenessP99Ms 99th percentile
   * @param latenessP999Ms 99.9th percentile
   * @param latenessMaxMs worst
   * @param writes writes it made
   * @param stalledWrites writes that found the client's socket full
   * @param connectionsOpened connections clients opened
   */
  record Simulator(double cpuMsPerTurn, double latenessP50Ms, double latenessP99Ms, double latenessP999Ms,
      double latenessMaxMs, long writes, long stalledWrites, long connectionsOpened) {
    static Simulator between(SimulatorProcess.Counters before, SimulatorProcess.Counters after, long turns) {
      return new Simulator((after.cpuNanos() - before.cpuNanos()) / 1e6 / Math.max(1, turns), after.latenessP50Ms(),
          after.latenessP99Ms(), after.latenessP999Ms(), after.latenessMaxMs(), after.writes(),
          after.stalledWrites() - before.stalledWrites(), after.connectionsOpened() - before.connectionsOpened());
    }
  }

  /**
   * One system at one level, its measured batches together.
   *
   * @param system its id
   * @param label what it is
   * @param turns measured turns
   * @param errors failed turns
   * @param errorSamples a few error messages
   * @param ttfaMillis time to first audio of the successful turns
   * @param totalMillis time to the last audio byte of the successful turns
   * @param cpuMsPerTurn the client process's CPU time per turn
   * @param simCpuMsPerTurn the simulator's CPU time per turn during this system's batches
   * @param platformThreads the most platform threads a batch used (see {@link BatchResult})
   * @param processPeakThreads the process's live platform threads at its peak
   * @param heapKbPerTurn heap growth at a batch's peak, per turn in flight
   * @param newConnectionsPer10Turns connections opened per 10 turns
   * @param audioKbPerTurn audio delivered per turn
   * @param startToWireMillis from starting a turn to its chat request reaching the simulator
   *     (see {@link BatchResult}); n = 0 when not measured
   * @param jitMsPerTurn of {@code cpuMsPerTurn}, about how much went to JIT compilation (0 in
   *     results written before it was measured)
   */
  record SystemResult(String system, String label, int turns, int errors, List<String> errorSamples,
      Percentiles ttfaMillis, Percentiles totalMillis, double cpuMsPerTurn, double simCpuMsPerTurn,
      int platformThreads, int processPeakThreads, double heapKbPerTurn, double newConnectionsPer10Turns,
      double audioKbPerTurn, Percentiles startToWireMillis, double jitMsPerTurn) {
    static SystemResult of(BatchResult r, String label) {
      return new SystemResult(r.system(), label, r.ttfaMillis().size() + r.errors(), r.errors(), r.errorSamples(),
          Percentiles.of(r.ttfaMillis()), Percentiles.of(r.totalMillis()), r.cpuNanosPerTurn() / 1e6,
          r.simCpuNanosPerTurn() / 1e6, r.peakPlatformThreads(), r.processPeakThreads(), r.heapPerTurnBytes() / 1024,
          r.newConnections(), r.audioBytesPerTurn() / 1024, Percentiles.of(r.startToWireMillis()),
          r.jitNanosPerTurn() / 1e6);
    }
  }

  /**
   * A sample's percentiles, nearest rank.
   *
   * @param n how many values
   * @param p50 median
   * @param p90 90th percentile
   * @param p99 99th percentile
   * @param max the largest
   * @param mean the mean
   */
  record Percentiles(int n, double p50, double p90, double p99, double max, double mean) {
    static Percentiles of(List<Double> values) {
      double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      return new Percentiles(values.size(), round(Stats.percentile(values, 50)), round(Stats.percentile(values, 90)),
          round(Stats.percentile(values, 99)), round(Stats.percentile(values, 100)), round(mean));
    }

    private static double round(double ms) {
      return Double.isNaN(ms) ? ms : Math.round(ms * 100) / 100.0;
    }
  }

  /** The file this JVM's results go to. */
  static Path file(Path dir, int feature) {
    return dir.resolve(FILE_PREFIX + feature + ".json");
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path target = file(dir, jvm.feature());
    Path tmp = dir.resolve(target.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static BenchResults read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), BenchResults.class);
  }

  /** Every run's results in {@code dir}, by Java version. */
  static List<BenchResults> readAll(Path dir) throws IOException {
    List<BenchResults> all = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return all;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.startsWith(FILE_PREFIX) && n.endsWith(".json");
      }).sorted().toList()) {
        all.add(read(f));
      }
    }
    all.sort(java.util.Comparator.comparingInt(r -> r.jvm().feature()));
    return all;
  }
}
