package dev.officehours.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.docs.MarkdownFile.CodeBlock;
import dev.officehours.examples.docs.MarkdownFile.Link;
import dev.officehours.examples.sim.KnowledgeBase;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The docs work as written. Every ```java block of README.md and docs/*.md compiles as a user who
 * pastes it gets it (rules in {@link JavaSnippet} and {@link SnippetCompiler}: nothing is added
 * but a method around statements); no Java hides in a block with another fence ({@link
 * LooksLikeJava}); every relative link leads to a file, and heading, that exists. The programs the
 * docs offer to run are run, in their own JVM against the simulated OpenAI-compatible server, and
 * do what their text says.
 */
class DocSnippetsTest {

  static Stream<CodeBlock> javaBlocks() {
    return Docs.javaBlocks().stream();
  }

  static Stream<CodeBlock> otherBlocks() {
    return Docs.codeBlocks().stream().filter(b -> !b.language().equals("java"));
  }

  static Stream<MarkdownFile> files() {
    return Docs.files().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("javaBlocks")
  void compilesAsPasted(CodeBlock block, @TempDir Path classes) {
    JavaSnippet snippet = JavaSnippet.of(block);
    SnippetCompiler.Result result = SnippetCompiler.compile(snippet, classes);
    assertTrue(result.ok(), () -> String.join("\n", result.failures()) + "\n\nall messages:\n"
        + String.join("\n", result.messages()) + "\n\ncompiled as:\n" + snippet.numberedSource());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherBlocks")
  void holdsNoJavaOutsideAJavaFence(CodeBlock block) {
    Optional<String> java = new LooksLikeJava(Docs.sdkTypes()).evidence(block);
    assertTrue(java.isEmpty(), () -> block + " is fenced as '" + block.language() + "' but holds Java, so it is"
        + " never compiled; fence it ```java (or ```text for a diagram): " + java.orElseThrow());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void everyRelativeLinkLeadsToAFileAndHeadingThatExist(MarkdownFile file) {
    List<String> broken = brokenLinks(file, Docs.root());
    assertTrue(broken.isEmpty(), () -> String.join("\n", broken));
  }

  /** What is wrong with each relative link of {@code file}: a missing file, or a missing heading. */
  static List<String> brokenLinks(MarkdownFile file, Path root) {
    List<String> broken = new ArrayList<>();
    for (Link link : file.links()) {
      String target = link.target();
      if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
        continue; // https:, mailto:, ...: not a file of this repository
      }
      int hash = target.indexOf('#');
      String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
      String anchor = hash < 0 ? null : target.substring(hash + 1);
      Path resolved = path.isEmpty() ? file.path()
          : (path.startsWith("/") ? root.resolve(path.substring(1)) : file.path().getParent().resolve(path)).normalize();
      if (!resolved.startsWith(root)) {
        broken.add(link + ": leaves the repository");
      } else if (!Files.exists(resolved)) {
        broken.add(link + ": no such file " + root.relativize(resolved));
      } else if (anchor != null && resolved.toString().endsWith(".md")
          && !MarkdownFile.read(root, resolved).anchors().contains(anchor)) {
        broken.add(link + ": no heading #" + anchor + " in " + root.relativize(resolved));
      }
    }
    return broken;
  }

  /** A fast simulated model and voice; the programs find it through OPENAI_BASE_URL, with no key. */
  private static SimulatedOpenAiServer simulatedOpenAi() {
    return SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(20)).tokenInterval(Duration.ofMillis(2))
        .tokenJitter(Duration.ZERO).ttsTimeToFirstByte(Duration.ofMillis(20)).ttsRealTimeFactor(0).start();
  }

  private static Path compiled(JavaSnippet snippet, Path dir) throws Exception {
    Path classes = Files.createDirectories(dir.resolve("classes"));
    SnippetCompiler.Result result = SnippetCompiler.compile(snippet, classes);
    assertTrue(result.ok(), () -> String.join("\n", result.failures()));
    return classes;
  }

  @Test
  void readmeProgramPrintsTheAnswerAndWritesItsAudioToAWavFile(@TempDir Path dir) throws Exception {
    JavaSnippet program = Docs.snippetDeclaring("README.md", "AskOfficeHours");
    Path classes = compiled(program, dir);
    Path work = Files.createDirectories(dir.resolve("work"));

    ChildJvm.Run run;
    SimulatedOpenAiServer.Stats served;
    try (SimulatedOpenAiServer openAi = simulatedOpenAi()) {
      run = ChildJvm.run(program, classes, "AskOfficeHours", Map.of("OPENAI_BASE_URL", openAi.baseUrl()), work);
      served = openAi.stats();
    }

    assertEquals(0, run.code(), run.transcript());
    assertTrue(run.out().startsWith(KnowledgeBase.answer("What are your office hours?") + "\n"), run.transcript());
    assertTrue(run.out().contains("TurnMetrics[ttft="), run.transcript());
    Matcher printed = Pattern.compile("audio: answer\\.wav, (\\d+) ms").matcher(run.out());
    assertTrue(printed.find(), run.transcript());
    try (AudioInputStream wav = AudioSystem.getAudioInputStream(work.resolve("answer.wav").toFile())) {
      AudioFormat format = wav.getFormat();
      assertEquals(24_000f, format.getSampleRate());
      assertEquals(16, format.getSampleSizeInBits());
      assertEquals(1, format.getChannels());
      assertTrue(wav.getFrameLength() > 24_000, "less than a second of audio: " + wav.getFrameLength() + " samples");
      assertEquals(wav.getFrameLength() / 24, Long.parseLong(printed.group(1)));
      byte[] samples = wav.readAllBytes();
      assertTrue(isNotSilent(samples), "the audio is silent");
    }
    assertEquals(1, served.chatRequests());
    assertTrue(served.speechRequests() >= 1, served.toString());
  }

  private static boolean isNotSilent(byte[] pcm16le) {
    for (int i = 0; i + 1 < pcm16le.length; i += 2) {
      if (Math.abs((short) ((pcm16le[i] & 0xff) | (pcm16le[i + 1] << 8))) > 1000) {
        return true;
      }
    }
    return false;
  }

  @Test
  void metricsProgramReportsTimeToFirstAudioPercentiles(@TempDir Path dir) throws Exception {
    JavaSnippet program = Docs.snippetDeclaring("docs/metrics.md", "PipelineMetrics");
    Path classes = compiled(program, dir);

    ChildJvm.Run run;
    try (SimulatedOpenAiServer openAi = simulatedOpenAi()) {
      run = ChildJvm.run(program, classes, "PipelineMetrics", Map.of("OPENAI_BASE_URL", openAi.baseUrl()),
          Files.createDirectories(dir.resolve("work")));
    }

    assertEquals(0, run.code(), run.transcript());
    for (String p : List.of("50", "95", "99")) {
      Matcher m = Pattern.compile("TTFA p" + p + ": (\\d+\\.\\d) ms").matcher(run.out());
      assertTrue(m.find(), "no p" + p + " of TTFA\n" + run.transcript());
      assertTrue(Double.parseDouble(m.group(1)) > 0, run.transcript());
    }
    assertTrue(run.out().contains("COMPLETED=2"), run.transcript());
    assertFalse((run.out() + run.err()).contains("MeterFilter is being configured after a Meter"), run.transcript());
  }

  @Test
  void providerExamplesStopWithAClearMessageWithoutTheirKeys(@TempDir Path dir) throws Exception {
    JavaSnippet snippet = providerExamples();
    Path classes = compiled(snippet, dir);

    ChildJvm.Run run = ChildJvm.run(snippet, classes, SnippetLauncher.class.getName(), Map.of(),
        Files.createDirectories(dir.resolve("work")));

    assertNotEquals(0, run.code(), run.transcript());
    assertTrue(run.err().contains("AZURE_OPENAI_KEY is not set"), run.transcript());
  }

  @Test
  void providerExamplesBuildWithTheirKeys(@TempDir Path dir) throws Exception {
    JavaSnippet snippet = providerExamples();
    Path classes = compiled(snippet, dir);

    ChildJvm.Run run = ChildJvm.run(snippet, classes, SnippetLauncher.class.getName(),
        Map.of("AZURE_OPENAI_KEY", "azure-test-key", "OPENAI_API_KEY", "sk-test-key"),
        Files.createDirectories(dir.resolve("work")));

    assertEquals(0, run.code(), run.transcript());
  }

  private static JavaSnippet providerExamples() {
    List<JavaSnippet> found = Docs.javaBlocks().stream().filter(b -> b.file().equals("docs/providers.md"))
        .filter(b -> b.body().contains("AZURE_OPENAI_KEY")).map(JavaSnippet::of).toList();
    assertEquals(1, found.size(), "docs/providers.md should have one ```java block using AZURE_OPENAI_KEY");
    assertFalse(found.get(0).isCompilationUnit(), "the provider examples are statements");
    return found.get(0);
  }
}
