package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.audio.Wav;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chat --audio FILE}: the question is spoken, transcribed, printed, then answered; offline. */
class ChatCliAudioTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int chat(Map<String, String> env, String... args) {
    return ChatCli.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static Path recording(Path dir, String label) throws Exception {
    Path file = dir.resolve("question.wav");
    Files.write(file, Wav.labelled(new byte[32_000], 16_000, 1, label));
    return file;
  }

  @Test
  void inDemoModeTheTranscriptIsPrintedThenAnswered(@TempDir Path dir) throws Exception {
    int code = chat(Map.of(), "--no-audio", "--audio", recording(dir, "What is OfficeHours?").toString());

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    assertTrue(stdout().startsWith("[you said] What is OfficeHours?\nOfficeHours is an embeddable Java library"),
        stdout());
    assertTrue(stderr().lines().anyMatch(l -> l.startsWith("STT ") && l.contains("| TTFT ")), stderr());
  }

  @Test
  void anUnlabelledRecordingIsHeardAsTheSimulatedSentence(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("silence.wav");
    Wav.write(file, new byte[48_000], 16_000, 1);
    int code = chat(Map.of(), "--no-audio", "--audio", file.toString());

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    assertTrue(stdout().startsWith("[you said] This is a simulated transcript of 1.5 seconds of audio.\n"), stdout());
  }

  @Test
  void audioAndTextTogetherAreAUsageError(@TempDir Path dir) throws Exception {
    int code = chat(Map.of(), "--no-audio", "--text", "Hi", "--audio", recording(dir, "Hi").toString());
    assertEquals(ChatCli.EXIT_USAGE, code);
    assertTrue(stderr().contains("--audio and --text both ask the question"), stderr());
  }

  @Test
  void aMissingFileIsOneClearLineAndExitCode6(@TempDir Path dir) {
    int code = chat(Map.of(), "--no-audio", "--audio", dir.resolve("nope.wav").toString());
    assertEquals(ChatCli.EXIT_UNREADABLE_FILE, code);
    assertTrue(stderr().contains("cannot read audio") && stderr().contains("no such file"), stderr());
  }

  @Test
  void aFileThatIsNotAudioIsRefusedBeforeAnyUpload(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("notes.wav");
    Files.writeString(file, "these are notes, not a recording");
    int code = chat(Map.of(), "--no-audio", "--audio", file.toString());
    assertEquals(ChatCli.EXIT_USAGE, code);
    assertTrue(stderr().contains("audio is not WAV, MP3, Ogg, WebM, FLAC or MP4/M4A"), stderr());
  }

  @Test
  void withAServerTheRecordingGoesToItsTranscriptionEndpoint(@TempDir Path dir) throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if (request.getUrl().encodedPath().endsWith("/audio/transcriptions")) {
            return new MockResponse.Builder().setHeader("Content-Type", "application/json")
                .body("{\"text\":\"Is the lab open?\"}").build();
          }
          return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
              .body("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes.\"}}]}\n\n"
                  + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
              .build();
        }
      });
      server.start();
      int code = chat(Map.of("OPENAI_API_KEY", "sk-test-audio"), "--no-audio", "--base-url",
          server.url("/v1").toString(), "--stt-model", "whisper-1", "--audio", recording(dir, "ignored").toString());

      assertEquals(ChatCli.EXIT_OK, code, stderr());
      assertEquals("[you said] Is the lab open?\nYes.\n", stdout());
      RecordedRequest upload = server.takeRequest(5, TimeUnit.SECONDS);
      assertEquals("/v1/audio/transcriptions", upload.getUrl().encodedPath());
      assertEquals("Bearer sk-test-audio", upload.getHeaders().get("Authorization"));
      assertTrue(upload.getBody().string(StandardCharsets.ISO_8859_1).contains("whisper-1"), "the --stt-model");
    }
  }
}
