package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.JavaProcess;
import dev.officehours.examples.Main;
import dev.officehours.examples.sim.KnowledgeBase;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the chat shows on a terminal, where its standard output and standard error meet: the CLI
 * runs as its own process with both streams in one, as a terminal shows them.
 */
class ChatCliTerminalTest {
  private static final String QUESTION = "What is OfficeHours?";

  @TempDir
  Path dir;

  @Test
  void aSpeechFailureIsOneLineAfterTheWholeAnswer() throws Exception {
    List<String> lines = chatWithoutSpeech();

    int answer = lines.indexOf(KnowledgeBase.answer(QUESTION));
    assertTrue(answer >= 0, "the whole answer on a line of its own:\n" + String.join("\n", lines));
    // the summary, or a library warning ("speech of chunk 2 failed; going on without it")
    List<String> failures = lines.stream().filter(l -> l.contains("speech")).toList();
    assertEquals(1, failures.size(), "one line for the turn, not one per chunk:\n" + String.join("\n", lines));
    assertTrue(failures.get(0).matches("speech failed for (\\d+) of \\1 chunks?: .+"), failures.get(0));
    assertTrue(lines.indexOf(failures.get(0)) > answer, "after the answer:\n" + String.join("\n", lines));
  }

  @Test
  void speechWarningsAUserAsksForFollowTheAnswerLine() throws Exception {
    // the speech logger at warn again: a warning per chunk, logged while the answer streams
    List<String> lines = chatWithoutSpeech("-Dorg.slf4j.simpleLogger.log.dev.officehours.speech=warn");

    int answer = lines.indexOf(KnowledgeBase.answer(QUESTION));
    assertTrue(answer >= 0, "the whole answer on a line of its own:\n" + String.join("\n", lines));
    List<Integer> warnings = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("WARN dev.officehours.speech - ") && lines.get(i).contains("going on without it")) {
        warnings.add(i);
      }
    }
    assertFalse(warnings.isEmpty(), "the warnings were logged:\n" + String.join("\n", lines));
    assertTrue(warnings.get(0) > answer, "held until the answer's line ended:\n" + String.join("\n", lines));
  }

  /** Asks a server whose every speech request fails at once, while the answer still streams word by word. */
  private List<String> chatWithoutSpeech(String... jvmOptions) throws Exception {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(20))
        .tokenInterval(Duration.ofMillis(40)).tokenJitter(Duration.ZERO).ttsFaultRate(1.0).start()) {
      JavaProcess process = new JavaProcess().mergeStderr();
      for (String option : jvmOptions) {
        process.jvmOption(option);
      }
      JavaProcess.Result r = process.run(Main.class, "chat", "--base-url", server.baseUrl(), "--text", QUESTION,
          "--out", dir.toString());

      assertEquals(ChatCli.EXIT_OK, r.exitCode(), r.toString());
      return r.stdout().lines().toList();
    }
  }

  @Test
  void aFailedConnectPrintsNoBlankLineAndLeavesNoAudioDirectory() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    // mp3 cannot be played by javax.sound, so its audio would go to a temporary directory on any machine
    JavaProcess.Result r = new JavaProcess().jvmOption("-Djava.io.tmpdir=" + tmp).run(Main.class, "chat",
        "--base-url", "http://127.0.0.1:" + closed + "/v1", "--format", "mp3", "--text", QUESTION);

    assertEquals(ChatCli.EXIT_CONNECTION, r.exitCode(), r.toString());
    assertTrue(r.stderr().contains("chat: cannot connect to http://127.0.0.1:" + closed), r.toString());
    assertEquals("", r.stdout(), "no answer, so not even a line end: " + r);
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("officehours-"))
          .toList(), "no audio came, so no directory for it");
    }
  }
}
