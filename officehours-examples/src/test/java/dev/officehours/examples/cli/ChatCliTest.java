package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatCliTest {
  private static final String KEY = "sk-test-not-a-real-key";
  private static final byte[] PCM = tone(12_000); // 0.5 s at 24 kHz

  private MockWebServer server;
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final AtomicLong pcmServed = new AtomicLong();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** An OpenAI-compatible endpoint: a two-token answer, and PCM for every speech request. */
  private void answerWith(String... tokens) {
    StringBuilder sse = new StringBuilder(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
    for (String t : tokens) {
      sse.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"").append(t).append("\"}}]}\n\n");
    }
    sse.append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.add(request);
        if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
          return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(sse.toString()).build();
        }
        pcmServed.addAndGet(PCM.length);
        return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm").body(new Buffer().write(PCM)).build();
      }
    });
  }

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

  @Test
  void oneShotPrintsTheAnswerAndWritesAValidWav(@TempDir Path dir) throws Exception {
    answerWith("Hello", " there.");
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", server.url("/v1").toString(),
        "--text", "Hi", "--out", dir.toString());

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    assertEquals("Hello there.\n", stdout());
    assertTrue(stderr().matches("(?s).*TTFT \\d+ ms \\| TTFA \\d+ ms \\| total \\d+ ms \\| 1 chunk \\| cache hits 0/1.*"),
        stderr());
    Path wav = dir.resolve("turn-1.wav");
    assertTrue(stderr().contains("audio: " + wav.toAbsolutePath()), stderr());
    byte[] bytes = Files.readAllBytes(wav);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals("RIFF", new String(bytes, 0, 4, StandardCharsets.US_ASCII));
    assertEquals(bytes.length - 8, b.getInt(4), "RIFF size");
    assertEquals("WAVE", new String(bytes, 8, 4, StandardCharsets.US_ASCII));
    assertEquals("fmt ", new String(bytes, 12, 4, StandardCharsets.US_ASCII));
    assertEquals(1, b.getShort(20), "PCM");
    assertEquals(1, b.getShort(22), "mono");
    assertEquals(24_000, b.getInt(24), "sample rate");
    assertEquals(48_000, b.getInt(28), "byte rate");
    assertEquals(16, b.getShort(34), "bits per sample");
    assertEquals("data", new String(bytes, 36, 4, StandardCharsets.US_ASCII));
    assertEquals(pcmServed.get(), b.getInt(40), "every served PCM byte is in the file");
    assertEquals(bytes.length - 44, b.getInt(40));
    assertEquals("Bearer " + KEY, requests.get(0).getHeaders().get("Authorization"));
    assertTrue(!stderr().contains(KEY), "the key is never printed");
  }

  @Test
  void aRefusedKeyIsOneClearLineAndExitCode4() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
            .body("{\"error\":{\"message\":\"Incorrect API key provided: sk-te****key.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"invalid_api_key\"}}").build();
      }
    });
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", server.url("/v1").toString(), "--text", "Hi",
        "--no-audio");

    assertEquals(ChatCli.EXIT_AUTH, code);
    assertTrue(stderr().contains("refused the API key (HTTP 401, invalid_api_key): check OPENAI_API_KEY"), stderr());
    assertEquals(1, stderr().lines().filter(l -> l.startsWith("chat:")).count(), stderr());
  }

  @Test
  void aWrongUrlIsOneClearLineAndExitCode3() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", "http://127.0.0.1:" + closedPort + "/v1",
        "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_CONNECTION, code, stderr());
    assertTrue(stderr().contains("chat: cannot connect to http://127.0.0.1:" + closedPort + "/v1 (connection refused)"),
        stderr());
  }

  @Test
  void theBaseUrlsQueryParametersAreSentWithEveryRequest(@TempDir Path dir) {
    answerWith("Hello.");
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", server.url("/v1").toString() + "?api-version=2024-06-01",
        "--text", "Hi", "--out", dir.toString());

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    assertEquals(2, requests.size(), "one chat, one speech request");
    for (RecordedRequest r : requests) {
      assertEquals("2024-06-01", r.getUrl().queryParameter("api-version"), r.getUrl().toString());
      assertTrue(r.getUrl().encodedPath().startsWith("/v1/"), r.getUrl().toString());
    }
  }

  @Test
  void anUnreadableImageIsOneClearLineAndExitCode6(@TempDir Path dir) {
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", server.url("/v1").toString(), "--text", "What is this?",
        "--image", dir.resolve("missing.png").toString());

    assertEquals(ChatCli.EXIT_UNREADABLE_FILE, code);
    assertTrue(stderr().contains("cannot read image " + dir.resolve("missing.png") + ": no such file"), stderr());
    assertEquals(0, requests.size(), "nothing was sent");
  }

  @Test
  void anUnwritableOutDirIsOneClearLineAndExitCode6(@TempDir Path dir) throws IOException {
    Path notADir = Files.writeString(dir.resolve("taken"), "a file, not a directory");
    answerWith("Hello.");
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", server.url("/v1").toString(), "--text", "Hi",
        "--out", notADir.toString());

    assertEquals(ChatCli.EXIT_UNREADABLE_FILE, code, stderr());
    assertTrue(stderr().contains("chat: cannot write audio to " + notADir + ": not a directory"), stderr());
    assertTrue(!stderr().contains("Exception"), "no stack trace: " + stderr());
    assertEquals(0, requests.size(), "checked before anything was sent");
  }

  @Test
  void audioThatCannotBeWrittenAfterTheAnswerIsACheckedError(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("audio");
    WavFileOutput output = WavFileOutput.checked(out, "turn-");
    Files.delete(out);
    Files.writeString(out, "now a file");
    output.beginTurn(1);
    output.write(new dev.officehours.AudioFrame("t", 0, 0, "c", dev.officehours.tts.AudioFormat.PCM_24K,
        new byte[100], false));
    WavFileOutput.CannotWrite e = org.junit.jupiter.api.Assertions.assertThrows(WavFileOutput.CannotWrite.class,
        output::endTurn);
    assertEquals(out, e.dir());
  }

  @Test
  void anImageMakesAVisionTurn(@TempDir Path dir) throws Exception {
    answerWith("A", " square.");
    Path png = dir.resolve("square.png");
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
    int code = chat(Map.of("OPENAI_API_KEY", KEY), "--base-url", server.url("/v1").toString(), "--text", "What is this?",
        "--image", png.toString(), "--no-audio");

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    String body = requests.get(0).getBody().utf8();
    assertTrue(body.contains("\"image_url\"") && body.contains("\"url\":\"data:image/"), body);
  }

  @Test
  void badFlagsExitWithCode2AndNameTheValue() {
    assertEquals(ChatCli.EXIT_USAGE, chat(Map.of(), "--format", "flac", "--text", "Hi"));
    assertTrue(stderr().contains("unknown audio format 'flac'"), stderr());
    assertEquals(ChatCli.EXIT_USAGE, chat(Map.of(), "--bogus"));
    assertTrue(stderr().contains("unknown flag --bogus"), stderr());
  }

  @Test
  void demoModeSpeaksOfflineWhenNoKeyOrUrlIsSet(@TempDir Path dir) throws Exception {
    int code = chat(Map.of(), "--text", "What is OfficeHours?", "--out", dir.toString());

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    assertTrue(stderr().startsWith("Demo mode:"), stderr());
    assertTrue(stdout().startsWith("OfficeHours is an embeddable Java library"), stdout());
    byte[] wav = Files.readAllBytes(dir.resolve("turn-1.wav"));
    double seconds = (wav.length - 44) / 48_000.0;
    assertTrue(seconds > 3, seconds + " s of speech");
    assertTrue(rms(wav, 44) > 500, "the WAV holds speech, not silence: rms " + rms(wav, 44));
  }

  @Test
  void interactiveModeAnswersEachLineUntilQuit() {
    int code = ChatCli.run(new String[] {"--no-audio"},
        new ByteArrayInputStream("How does caching work?\n\n/quit\nnot asked\n".getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());

    assertEquals(ChatCli.EXIT_OK, code, stderr());
    assertTrue(stdout().startsWith("There are two caches."), stdout());
    assertEquals(1, stderr().lines().filter(l -> l.contains("TTFT")).count(), stderr());
  }

  private static byte[] tone(int samples) {
    ByteBuffer b = ByteBuffer.allocate(2 * samples).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < samples; i++) {
      b.putShort((short) (8_000 * Math.sin(2 * Math.PI * 440 * i / 24_000.0)));
    }
    return b.array();
  }

  private static double rms(byte[] pcm, int from) {
    double sum = 0;
    int n = (pcm.length - from) / 2;
    for (int i = 0; i < n; i++) {
      int s = (short) ((pcm[from + 2 * i] & 0xff) | (pcm[from + 2 * i + 1] << 8));
      sum += (double) s * s;
    }
    return Math.sqrt(sum / n);
  }
}
