package dev.officehours.jmh;

import java.io.IOException;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs core's JMH micro-benchmarks (every {@code *Jmh} class) and prints JMH's result table, with
 * the bytes allocated per operation ({@code gc.alloc.rate.norm}) beside the time.
 *
 * <pre>
 * ./mvnw -B -ntp -pl officehours-core test-compile exec:exec -Dexec.executable=java \
 *     -Dexec.classpathScope=test -Dexec.args="-cp %classpath dev.officehours.jmh.RunJmh"
 * </pre>
 *
 * Arguments are JMH's own ({@code -h} lists them) and override the defaults: a regular expression
 * selects benchmarks ({@code RunJmh SseReader}), {@code -jvm /path/to/java} runs the forks on
 * another JDK, {@code -prof} replaces the GC profiler. Each benchmark class sets one fork, 3
 * warm-up and 5 measured iterations of a second each: the whole suite takes about two minutes.
 */
public final class RunJmh {
  private RunJmh() {}

  /**
   * Runs the benchmarks.
   *
   * @param args JMH command-line options
   * @throws RunnerException when a benchmark fails
   * @throws CommandLineOptionException when an argument is not one of JMH's
   * @throws IOException when the help text cannot be printed
   */
  public static void main(String[] args)
      throws RunnerException, CommandLineOptionException, IOException {
    CommandLineOptions given = new CommandLineOptions(args);
    if (given.shouldHelp()) {
      given.showHelp();
      return;
    }
    ChainedOptionsBuilder options = new OptionsBuilder().parent(given).shouldFailOnError(true);
    if (given.getIncludes().isEmpty()) {
      options.include("dev\\.officehours\\..*Jmh\\.");
    }
    if (given.getProfilers().isEmpty()) {
      options.addProfiler(GCProfiler.class);
    }
    Runner runner = new Runner(options.build());
    if (given.shouldList()) {
      runner.list();
      return;
    }
    runner.run();
  }
}
