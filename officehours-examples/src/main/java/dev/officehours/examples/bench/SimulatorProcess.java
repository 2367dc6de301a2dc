package dev.officehours.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The simulated server in a child JVM ({@link BenchSimulator}), started and asked for its counters. */
final class SimulatorProcess implements AutoCloseable {
  /**
   * What the simulator reported at one moment: its CPU time, requests, streams in flight,
   * connections accepted, and how well it kept its schedule since the last {@link #resetLateness}.
   */
  record Counters(long cpuNanos, long chatRequests, long speechRequests, int activeStreams, long connectionsOpened,
      long stalledWrites, long writes, double latenessP50Ms, double latenessP99Ms, double latenessP999Ms,
      double latenessMaxMs) {}

  private final Process process;
  private final BufferedReader out;
  private final PrintStream in;
  private final String baseUrl;

  SimulatorProcess(SimTiming timing) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // 4 GiB: at 1,000 concurrent turns the five systems' pools keep some 16,000 connections open
    // between their batches, and Jetty's state for each outgrew 1 GiB (GC overhead limit).
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx4g", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), BenchSimulator.class.getName()));
    cmd.add(Long.toString(timing.ttft().toMillis()));
    cmd.add(Long.toString(timing.tokenInterval().toMillis()));
    cmd.add(Long.toString(timing.jitter().toMillis()));
    cmd.add(Integer.toString(timing.answerWords()));
    cmd.add(Long.toString(timing.ttsTtfb().toMillis()));
    cmd.add(String.format(Locale.ROOT, "%.4f", timing.realTimeFactor()));
    process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    String url = null;
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("url ")) {
        url = line.substring(4).trim();
        break;
      }
    }
    if (url == null) {
      process.destroyForcibly();
      throw new IOException("the simulator did not start (see its output above)");
    }
    baseUrl = url;
  }

  /**
   * When the chat requests since the last call reached the simulator, in {@link System#nanoTime()}
   * of this machine (CLOCK_MONOTONIC on Linux, the same in every process).
   */
  synchronized List<Long> chatArrivals() throws IOException {
    in.println("arrivals");
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("arrivals")) {
        List<Long> times = new ArrayList<>();
        for (String t : line.substring("arrivals".length()).trim().split(" ")) {
          if (!t.isEmpty()) {
            times.add(Long.parseLong(t));
          }
        }
        return times;
      }
    }
    throw new IOException("the simulator stopped");
  }

  /** Starts the simulator's lateness figures over. */
  synchronized void resetLateness() {
    in.println("reset");
  }

  String baseUrl() {
    return baseUrl;
  }

  synchronized Counters counters() throws IOException {
    in.println("stats");
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("stats ")) {
        String[] f = line.split(" ");
        return new Counters(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Integer.parseInt(f[4]),
            Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]), Double.parseDouble(f[8]),
            Double.parseDouble(f[9]), Double.parseDouble(f[10]), Double.parseDouble(f[11]));
      }
    }
    throw new IOException("the simulator stopped");
  }

  @Override
  public void close() {
    in.close();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The simulated providers' timing. */
  record SimTiming(Duration ttft, Duration tokenInterval, Duration jitter, int answerWords, Duration ttsTtfb,
      double realTimeFactor) {}
}
