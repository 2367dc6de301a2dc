package dev.officehours.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the example programs as a user does: a JVM of its own on this test's class path,
 * its standard output and error captured in files (real streams, as a shell redirect makes them).
 */
public final class JavaProcess {
  private final List<String> jvmOptions = new ArrayList<>();
  private final Map<String, String> environment = new java.util.HashMap<>();
  /**
   * The provider's settings would turn demo mode off; JVM option variables make the JVM print
   * "Picked up ..." on standard error, which the tests read.
   */
  private final List<String> removedEnvironment = new ArrayList<>(List.of("OPENAI_API_KEY", "OPENAI_BASE_URL",
      "OPENAI_MODEL", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"));
  private boolean mergeStderr;
  private long timeoutSeconds = 60;

  /**
   * What a finished program left behind.
   *
   * @param exitCode its exit code
   * @param stdout its standard output (with standard error too when merged)
   * @param stderr its standard error, empty when merged into standard output
   */
  public record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
    }
  }

  /**
   * Adds a JVM option, such as {@code -Djava.io.tmpdir=...}.
   *
   * @param option the option
   * @return this
   */
  public JavaProcess jvmOption(String option) {
    jvmOptions.add(option);
    return this;
  }

  /**
   * Sets an environment variable of the program.
   *
   * @param name its name
   * @param value its value
   * @return this
   */
  public JavaProcess env(String name, String value) {
    environment.put(name, value);
    removedEnvironment.remove(name);
    return this;
  }

  /**
   * Sets how long {@link #run} waits for the program to end (default 60 s).
   *
   * @param seconds the limit
   * @return this
   */
  public JavaProcess timeoutSeconds(long seconds) {
    timeoutSeconds = seconds;
    return this;
  }

  /**
   * Writes standard error into the same stream as standard output, as a terminal shows them.
   *
   * @return this
   */
  public JavaProcess mergeStderr() {
    mergeStderr = true;
    return this;
  }

  /**
   * Runs {@code mainClass} with {@code args} and waits for it to end.
   *
   * @param mainClass the program
   * @param args its arguments
   * @return what it printed and its exit code
   * @throws AssertionError when it has not ended in time (it is then killed)
   */
  public Result run(Class<?> mainClass, String... args) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("officehours-test-", ".out");
    Path err = Files.createTempFile("officehours-test-", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      if (mergeStderr) {
        pb.redirectErrorStream(true);
      } else {
        pb.redirectError(err.toFile());
      }
      removedEnvironment.forEach(pb.environment()::remove);
      pb.environment().putAll(environment);
      Process process = pb.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError(mainClass.getSimpleName() + " " + String.join(" ", args) + " did not end within "
            + timeoutSeconds + " s; printed:\n" + Files.readString(out, StandardCharsets.UTF_8) + "\n"
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
