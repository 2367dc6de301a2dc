package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Held log lines in a program of their own: real standard error, real signals. */
class LogLinesProcessTest {
  @TempDir
  Path dir;

  @Test
  @DisabledOnOs(value = OS.WINDOWS, disabledReason = "destroy() is TerminateProcess there: no shutdown hooks run")
  void heldLinesAreWrittenWhenTheProgramIsTerminated() throws Exception {
    Path err = dir.resolve("stderr");
    Process p = start(err, List.of("-Dstderr.encoding=UTF-8"), "wait");
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("held", out.readLine());
      assertEquals("", Files.readString(err), "held while the program runs");
      p.destroy(); // SIGTERM: no Ctrl-C handler runs, only shutdown hooks
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ended");
    } finally {
      p.destroyForcibly();
    }
    assertEquals("WARN café\n", Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void heldLinesKeepTheEncodingOfStandardError() throws Exception {
    Path err = dir.resolve("stderr");
    Process p = start(err, List.of("-Dstderr.encoding=ISO-8859-1", "-Dsun.stderr.encoding=ISO-8859-1"), "release");
    try {
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ended");
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), Files.readString(err, StandardCharsets.ISO_8859_1));
    assertArrayEquals("WARN café\n".getBytes(StandardCharsets.ISO_8859_1), Files.readAllBytes(err));
  }

  private static Process start(Path err, List<String> jvmOptions, String mode) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), HeldLogProgram.class.getName(), mode));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    for (String noisy : List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")) {
      pb.environment().remove(noisy); // "Picked up ..." would be on standard error
    }
    return pb.start();
  }
}
