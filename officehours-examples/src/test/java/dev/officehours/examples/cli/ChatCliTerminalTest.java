package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.JavaProcess;
import dev.officehours.examples.Main;
import dev.officehours.examples.sim.KnowledgeBase;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
  void aSpeechFailureIsReportedAfterTheAnswerLineNotInsideIt() throws Exception {
    // every speech request fails at once, while the answer is still streaming word by word
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(20))
        .tokenInterval(Duration.ofMillis(40)).tokenJitter(Duration.ZERO).ttsFaultRate(1.0).start()) {
      JavaProcess.Result r = new JavaProcess().mergeStderr()
          .run(Main.class, "chat", "--base-url", server.baseUrl(), "--text", QUESTION, "--out", dir.toString());

      assertEquals(ChatCli.EXIT_OK, r.exitCode(), r.toString());
      String answer = KnowledgeBase.answer(QUESTION);
      assertTrue(r.stdout().contains(answer + "\n"), "the whole answer on one line:\n" + r.stdout());
      assertTrue(r.stdout().indexOf(answer) < r.stdout().indexOf("speech failed"), r.stdout());
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
