package dev.officehours.examples.bench;

import dev.officehours.examples.Args;
import dev.officehours.examples.Args.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code bench} command's flags, checked.
 *
 * @param systems the systems to run, in the order given
 * @param concurrency the levels: turns started at once
 * @param rounds measured batches per system per level (after one warm-up batch)
 * @param caches which cache settings to run
 * @param timing the simulated providers' timing
 * @param out where the results and the report go
 * @param jdks other JDK homes to run the measurement on too, one child JVM each
 * @param measureOnly measure and write the results, no report (what each of {@code jdks} runs)
 * @param reportOnly only regenerate the report from the results already in {@code out}
 * @param smoke the tiny run that {@code verify} makes
 * @param warmupTurns turns each system runs, 50 at a time, before anything is measured, so that
 *     CPU per turn is the steady state's rather than the JIT compiler's
 */
record BenchOptions(List<String> systems, List<Integer> concurrency, int rounds, Caches caches,
    SimulatorProcess.SimTiming timing, Path out, List<Path> jdks, boolean measureOnly, boolean reportOnly,
    boolean smoke, int warmupTurns) {

  /** Every system, in report order. */
  static final List<String> ALL_SYSTEMS = List.of("a", "b", "b-tts", "c", "z");
  /** The most turns at once a level may start: each holds up to four connections to the simulator. */
  static final int MAX_CONCURRENCY = 10_000;
  /** The longest simulated delay accepted: a turn that takes longer would be a test of timeouts. */
  static final Duration MAX_DELAY = Duration.ofSeconds(10);

  static final SimulatorProcess.SimTiming ISSUE_TURN = new SimulatorProcess.SimTiming(Duration.ofMillis(300),
      Duration.ofMillis(20), Duration.ofMillis(5), 64, Duration.ofMillis(150), 0.2);
  /** Fast enough that the smoke run's turns take well under a second, slow enough to stream. */
  static final SimulatorProcess.SimTiming SMOKE_TURN = new SimulatorProcess.SimTiming(Duration.ofMillis(20),
      Duration.ofMillis(2), Duration.ZERO, 24, Duration.ofMillis(10), 0.02);

  private static final Set<String> VALUED = Set.of("systems", "concurrency", "rounds", "caches", "llm-ttft",
      "token-interval", "token-jitter", "answer-words", "tts-ttfb", "tts-realtime-factor", "out", "jdks",
      "warmup-turns");
  private static final Set<String> SWITCHES = Set.of("smoke", "measure-only", "report-only", "help");
  private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?(\\d+)");

  /** Which cache settings a run measures. */
  enum Caches {
    OFF, ON, BOTH;

    /** The settings to run, off first. */
    List<Boolean> settings() {
      return switch (this) {
        case OFF -> List.of(false);
        case ON -> List.of(true);
        case BOTH -> List.of(false, true);
      };
    }

    String flag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Parses the flags.
   *
   * @param argv the arguments after {@code bench}
   * @return the options, or empty when {@code --help} was asked for
   * @throws UsageException naming the flag and the value, for any mistake
   */
  static Optional<BenchOptions> parse(String[] argv) {
    Args args = Args.parse(argv, VALUED, SWITCHES);
    if (args.has("help")) {
      return Optional.empty();
    }
    if (!args.positional().isEmpty()) {
      throw new UsageException("unexpected argument '" + plain(args.positional().get(0)) + "' (every setting is a flag)");
    }
    boolean smoke = args.has("smoke");
    boolean measureOnly = args.has("measure-only");
    boolean reportOnly = args.has("report-only");
    if (reportOnly && (measureOnly || smoke || args.has("jdks"))) {
      throw new UsageException("--report-only only reads the results in --out; it cannot go with "
          + (measureOnly ? "--measure-only" : smoke ? "--smoke" : "--jdks"));
    }
    if (measureOnly && args.has("jdks")) {
      throw new UsageException("--measure-only measures in this JVM only; --jdks cannot go with it");
    }
    List<String> systems = systems(args.get("systems", smoke ? "a,b,c,z" : String.join(",", ALL_SYSTEMS)));
    List<Integer> concurrency = concurrency(args.get("concurrency", smoke ? "1,4" : "1,10,100,500,1000"));
    int rounds = args.getInt("rounds", smoke ? 1 : 3, 1, 1000);
    Caches caches = caches(args.get("caches", smoke ? "off" : "both"));
    SimulatorProcess.SimTiming base = smoke ? SMOKE_TURN : ISSUE_TURN;
    Duration tokenInterval = delay(args, "token-interval", base.tokenInterval());
    Duration jitter = delay(args, "token-jitter", base.jitter());
    if (jitter.compareTo(tokenInterval) > 0) {
      throw new UsageException("--token-jitter (" + jitter.toMillis() + " ms) must not exceed --token-interval ("
          + tokenInterval.toMillis() + " ms): tokens would arrive out of their order's time");
    }
    double realTimeFactor = args.getDouble("tts-realtime-factor", base.realTimeFactor(), 0, 10);
    if (realTimeFactor <= 0) {
      throw new UsageException("--tts-realtime-factor must be above 0 (0.2: speech streams 5x faster than it plays)");
    }
    SimulatorProcess.SimTiming timing = new SimulatorProcess.SimTiming(delay(args, "llm-ttft", base.ttft()),
        tokenInterval, jitter, args.getInt("answer-words", base.answerWords(), 0, 10_000),
        delay(args, "tts-ttfb", base.ttsTtfb()), realTimeFactor);
    Path out = Path.of(args.get("out", "target/bench"));
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new UsageException("--out " + out + " is a file, not a directory");
    }
    List<Path> jdks = args.has("jdks") ? jdks(args.get("jdks", "")) : List.of();
    int warmupTurns = args.getInt("warmup-turns", smoke ? 0 : 500, 0, 1_000_000);
    return Optional.of(new BenchOptions(systems, concurrency, rounds, caches, timing, out, jdks, measureOnly,
        reportOnly, smoke, warmupTurns));
  }

  /** The flags that make a child JVM measure exactly as this one does. */
  List<String> childArgs() {
    List<String> a = new ArrayList<>(List.of("--measure-only", "--systems", String.join(",", systems),
        "--concurrency", String.join(",", concurrency.stream().map(String::valueOf).toList()),
        "--rounds", Integer.toString(rounds), "--caches", caches.flag(), "--warmup-turns", Integer.toString(warmupTurns),
        "--llm-ttft", timing.ttft().toMillis() + "ms", "--token-interval", timing.tokenInterval().toMillis() + "ms",
        "--token-jitter", timing.jitter().toMillis() + "ms", "--answer-words", Integer.toString(timing.answerWords()),
        "--tts-ttfb", timing.ttsTtfb().toMillis() + "ms",
        "--tts-realtime-factor", String.format(Locale.ROOT, "%s", timing.realTimeFactor()),
        "--out", out.toAbsolutePath().toString()));
    if (smoke) {
      a.add("--smoke");
    }
    return a;
  }

  private static List<String> systems(String value) {
    LinkedHashSet<String> chosen = new LinkedHashSet<>();
    for (String s : value.split(",", -1)) {
      String id = s.trim();
      if (!ALL_SYSTEMS.contains(id)) {
        throw new UsageException("--systems: unknown system '" + plain(id) + "' (choose from "
            + String.join(", ", ALL_SYSTEMS) + ")");
      }
      if (!chosen.add(id)) {
        throw new UsageException("--systems names '" + id + "' twice");
      }
    }
    return List.copyOf(chosen);
  }

  private static List<Integer> concurrency(String value) {
    List<Integer> levels = new ArrayList<>();
    for (String s : value.split(",", -1)) {
      int c;
      try {
        c = Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        throw new UsageException("--concurrency must be whole numbers separated by commas but had '" + plain(s.trim()) + "'");
      }
      if (c < 1 || c > MAX_CONCURRENCY) {
        throw new UsageException("--concurrency levels must be in 1.." + MAX_CONCURRENCY + " but one was " + c);
      }
      if (levels.contains(c)) {
        throw new UsageException("--concurrency names " + c + " twice");
      }
      levels.add(c);
    }
    return List.copyOf(levels);
  }

  private static Caches caches(String value) {
    for (Caches c : Caches.values()) {
      if (c.flag().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new UsageException("--caches must be off, on or both but was '" + plain(value) + "'");
  }

  private static Duration delay(Args args, String flag, Duration fallback) {
    Duration d = args.getDuration(flag, fallback);
    if (d.compareTo(MAX_DELAY) > 0) {
      throw new UsageException("--" + flag + " must be at most " + MAX_DELAY.toSeconds() + "s but was " + d.toMillis() + "ms");
    }
    return d;
  }

  private static List<Path> jdks(String value) {
    List<Path> homes = new ArrayList<>();
    Set<Integer> features = new LinkedHashSet<>(Set.of(Runtime.version().feature()));
    for (String s : value.split(",", -1)) {
      if (s.isBlank()) {
        throw new UsageException("--jdks must be JDK homes separated by commas, e.g. /usr/lib/jvm/temurin-25-jdk-amd64");
      }
      Path home = Path.of(s.trim());
      if (!Files.isExecutable(java(home))) {
        throw new UsageException("--jdks: " + home + " is not a JDK home (it has no executable bin/java)");
      }
      int feature = feature(home);
      if (feature > 0 && !features.add(feature)) {
        throw new UsageException("--jdks: " + home + " is Java " + feature
            + ", which this run already measures; each Java version writes results-java<version>.json once");
      }
      homes.add(home);
    }
    return List.copyOf(homes);
  }

  /** The java launcher of a JDK home. */
  static Path java(Path home) {
    return home.resolve("bin").resolve("java");
  }

  /** The feature version a JDK home's {@code release} file names, 0 when it has none. */
  static int feature(Path home) {
    try {
      Matcher m = JAVA_VERSION.matcher(Files.readString(home.resolve("release")));
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /** A value echoed only when it is a plain word: a URL pasted in its place may carry a password. */
  private static String plain(String s) {
    return s.matches("[A-Za-z0-9_.,-]{0,40}") ? s : "(not shown)";
  }

  static String usage() {
    return String.join("\n",
        "Usage: bench [systems and levels] [simulated providers] [--jdks HOME,...] [--out DIR]",
        "",
        "OfficeHours side by side with what a Java developer builds instead, all against one simulated",
        "OpenAI-compatible server in a JVM of its own, the systems interleaved batch by batch:",
        "  a       OfficeHours: OpenAiChat + OpenAiSpeech in a ConversationPipeline",
        "  b       LangChain4j 1.19 OpenAiStreamingChatModel, sentence splitting, a streamed TTS request",
        "          per sentence (OkHttp), audio in order, 3 in flight",
        "  b-tts   the same with LangChain4j's own OpenAiTextToSpeechModel (blocking, whole audio)",
        "  c       the whole answer, then one streamed TTS call",
        "  z       bare-HTTP control: OfficeHours' requests and bytes with nothing else (OkHttp)",
        "",
        "Systems and levels:",
        "  --systems a,b,b-tts,c,z         which systems (default all)",
        "  --concurrency 1,10,100,500,1000 turns started at once, one level after another",
        "  --rounds 3                      measured batches per system per level, after one warm-up batch",
        "  --warmup-turns 500              turns each system runs (50 at a time) before the first level,",
        "                                  so CPU per turn is measured after the JIT compiler's work",
        "  --caches both                   off, on or both: on gives (a) OfficeHours' TTS and answer",
        "                                  caches; the other systems have none and run unchanged",
        "Simulated providers (default: the turn of issue 12):",
        "  --llm-ttft 300ms --token-interval 20ms --token-jitter 5ms --answer-words 64",
        "  --tts-ttfb 150ms --tts-realtime-factor 0.2    (0.2: speech streams 5x faster than it plays)",
        "JVMs and output:",
        "  --jdks HOME[,HOME]              also measure on these JDKs (a child JVM each, after this one)",
        "  --out target/bench              results-java<N>.json per Java version, report.md and charts",
        "  --measure-only                  write this JVM's results, no report (what --jdks runs)",
        "  --report-only                   regenerate report.md and charts from the results in --out",
        "  --smoke                         a tiny, fast run (a,b,c,z at 1 and 4, 1 round, caches off,",
        "                                  fast providers) that checks it all works; flags given win",
        "  --help, -h                      this text",
        "",
        "The report is made from every results-*.json in --out, so runs on Java 17 and 25 (via --jdks",
        "or two invocations with the same --out) give one report comparing both.",
        "",
        "Exit codes: 0 ok, 1 a turn failed, 2 usage error, 3 the benchmark could not run.");
  }
}
