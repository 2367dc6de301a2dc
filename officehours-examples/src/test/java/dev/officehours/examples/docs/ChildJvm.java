package dev.officehours.examples.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a compiled snippet's {@code main} as a user would: its own JVM, on the runtime class path its
 * reader's dependency lines give ({@link SnippetCompiler#dependenciesOf}), not this JVM's.
 */
final class ChildJvm {
  /** What a run left: exit code, standard output, standard error. */
  record Run(int code, String out, String err) {
    /** Both streams, for failure messages. */
    String transcript() {
      return "exit code " + code + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  private ChildJvm() {}

  /**
   * Runs {@code mainClass} from {@code classes}, where {@code snippet} was compiled to, in {@code
   * workDir}; {@link SnippetLauncher} is copied there for a statements snippet. The child inherits
   * no {@code OPENAI_*} or {@code AZURE_*} variable from this JVM; {@code env} holds all it gets.
   */
  static Run run(JavaSnippet snippet, Path classes, String mainClass, Map<String, String> env, Path workDir)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    copyLauncher(classes);
    List<Path> classpath = new ArrayList<>();
    classpath.add(classes);
    classpath.addAll(SnippetCompiler.dependenciesOf(snippet).runtimeClasspath());
    ProcessBuilder pb = new ProcessBuilder(java, "-cp",
        classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)), mainClass)
        .directory(workDir.toFile());
    pb.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("AZURE_"));
    pb.environment().putAll(env);
    Process process = pb.start();
    process.getOutputStream().close();
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try {
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), mainClass + " did not end within 120 s");
      return new Run(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    } finally {
      process.destroyForcibly();
    }
  }

  /** The launcher alone, not the test classes it sits among, which no user has. */
  private static void copyLauncher(Path classes) throws IOException {
    String file = SnippetLauncher.class.getName().replace('.', '/') + ".class";
    try (InputStream in = SnippetLauncher.class.getClassLoader().getResourceAsStream(file)) {
      Path target = classes.resolve(file);
      Files.createDirectories(target.getParent());
      Files.write(target, in.readAllBytes());
    }
  }

  /** Reads a stream to its end on a thread of its own (the common pool may have one thread). */
  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, task -> {
      Thread reader = new Thread(task, "child-jvm-output");
      reader.setDaemon(true);
      reader.start();
    });
  }
}
