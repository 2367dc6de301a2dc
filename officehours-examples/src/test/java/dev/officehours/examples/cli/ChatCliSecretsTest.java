package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A secret never reaches the terminal. The CLI runs as users run it, its own process started
 * through {@link Main} ({@code java -jar officehours-examples.jar chat}), down every failure path,
 * with a user name and password in the base URL, a secret query value and an API key. Everything
 * it prints is scanned: standard output and standard error, which is also where slf4j-simple
 * writes its log lines.
 */
class ChatCliSecretsTest {
  private static final String USER = "user-5a8e0b4c6f";
  private static final String PASSWORD = "pw-9f3c1e7d2b";
  private static final String QUERY_SECRET = "q-7d1f2a9c3e";
  private static final String KEY = "sk-key-4b6e8a0c2d";
  private static final String REDIS_PASSWORD = "redis-pw-1c3e5a7b9d";
  private static final List<String> SECRETS = List.of(USER, PASSWORD, QUERY_SECRET, KEY, REDIS_PASSWORD);
  private static final Map<String, String> WITH_KEY = Map.of("OPENAI_API_KEY", KEY);

  private MockWebServer server;

  /** What one run of the program left: its exit code and everything it printed, both streams merged. */
  private record Run(int code, String output) {}

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A base URL carrying every kind of secret a URL can: user name, password, query value. */
  private static String urlWithSecrets(String hostAndPort) {
    return "http://" + USER + ":" + PASSWORD + "@" + hostAndPort + "/v1?api-version=2024-06-01&api-key=" + QUERY_SECRET;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A server that answers every request with {@code status} and a body echoing every secret. */
  private void echoSecretsWith(int status) {
    String echo = "Incorrect API key provided: " + KEY + "; you are " + USER + ":" + PASSWORD + " with api-key="
        + QUERY_SECRET;
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json")
            .body("{\"error\":{\"message\":\"" + echo + "\",\"type\":\"" + PASSWORD + "\",\"param\":\"" + QUERY_SECRET
                + "\",\"code\":\"" + KEY + "\"}}")
            .build();
      }
    });
  }

  /** Runs {@code java ... Main args} with {@code env} as its only OPENAI_* settings, to its end. */
  private static Run run(Map<String, String> env, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(name -> name.startsWith("OPENAI_"));
    pb.environment().putAll(env);
    Process process = pb.start();
    process.getOutputStream().close(); // no typed input
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    try {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the CLI did not end within 60 s");
      return new Run(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    } finally {
      process.destroyForcibly();
    }
  }

  private static void assertNoSecret(Run run) {
    String lower = run.output().toLowerCase(Locale.ROOT);
    for (String secret : SECRETS) {
      assertFalse(lower.contains(secret.toLowerCase(Locale.ROOT)), secret + " was printed:\n" + run.output());
    }
  }

  @Test
  void aRefusedConnectionNamesTheUrlWithoutItsSecrets() throws Exception {
    int port = closedPort();
    Run run = run(WITH_KEY, "chat", "--base-url", urlWithSecrets("127.0.0.1:" + port), "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_CONNECTION, run.code(), run.output());
    assertTrue(run.output().contains("chat: cannot connect to http://127.0.0.1:" + port
        + "/v1?api-version=***&api-key=*** (connection refused)"), run.output());
    assertNoSecret(run);
  }

  @Test
  void aBaseUrlFromTheEnvironmentIsShownWithoutItsSecretsToo() throws Exception {
    int port = closedPort();
    Run run = run(Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", urlWithSecrets("127.0.0.1:" + port)),
        "chat", "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_CONNECTION, run.code(), run.output());
    assertTrue(run.output().contains("cannot connect to http://127.0.0.1:" + port + "/v1?api-version=***&api-key=***"),
        run.output());
    assertNoSecret(run);
  }

  @Test
  void aServerThatRefusesTheKeyAndEchoesItGetsNoSecretPrinted() throws Exception {
    echoSecretsWith(401);
    String hostAndPort = server.getHostName() + ":" + server.getPort();
    Run run = run(WITH_KEY, "chat", "--base-url", urlWithSecrets(hostAndPort), "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_AUTH, run.code(), run.output());
    assertTrue(run.output().contains("chat: the server at http://" + hostAndPort
        + "/v1?api-version=***&api-key=*** refused the API key (HTTP 401, [redacted]): check OPENAI_API_KEY"), run.output());
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertEquals("Bearer " + KEY, request.getHeaders().get("Authorization"), "the key was sent, only never shown");
    assertEquals(QUERY_SECRET, request.getUrl().queryParameter("api-key"), "so was the query");
    assertNoSecret(run);
  }

  @Test
  void aServerErrorThatEchoesEverySecretGetsNoneOfThemPrinted() throws Exception {
    echoSecretsWith(500);
    String hostAndPort = server.getHostName() + ":" + server.getPort();
    Run run = run(WITH_KEY, "chat", "--base-url", urlWithSecrets(hostAndPort), "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_TURN_FAILED, run.code(), run.output());
    assertTrue(run.output().contains("chat: the turn failed: ") && run.output().contains("Incorrect API key provided: "),
        run.output());
    assertNoSecret(run);
  }

  @Test
  void aBaseUrlWithoutASchemeIsNamedWithoutItsSecrets() throws Exception {
    Run run = run(WITH_KEY, "chat", "--base-url", USER + ":" + PASSWORD + "@127.0.0.1:1/v1?api-key=" + QUERY_SECRET,
        "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_USAGE, run.code(), run.output());
    assertTrue(run.output().contains("chat: --base-url must be an http or https URL like https://api.openai.com/v1 "
        + "but was '***@127.0.0.1:1/v1?api-key=***' (no http:// or https:// in front)"), run.output());
    assertNoSecret(run);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://USER:PASSWORD@[::1/v1?api-key=QUERY", // unclosed IPv6 bracket
      "http://USER:PASSWORD@127.0.0.1:99999/v1?api-key=QUERY", // port out of range
      "http://USER:x/#PASSWORD@127.0.0.1:1/v1", // unencoded '/' and '#' in the password
      "ftp://USER:PASSWORD@127.0.0.1/v1?api-key=QUERY", // not http
  })
  void aMalformedBaseUrlIsNamedWithoutItsSecrets(String template) throws Exception {
    String url = template.replace("USER", USER).replace("PASSWORD", PASSWORD).replace("QUERY", QUERY_SECRET);
    Run run = run(WITH_KEY, "chat", "--base-url", url, "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_USAGE, run.code(), run.output());
    assertTrue(run.output().contains("chat: --base-url must be an http or https URL"), run.output());
    assertTrue(run.output().contains("://***@"), "the URL is shown, masked: " + run.output());
    assertNoSecret(run);
  }

  @Test
  void anUnreachableRedisIsNamedWithoutItsPassword() throws Exception {
    int port = closedPort();
    Run run = run(WITH_KEY, "chat", "--base-url", urlWithSecrets(server.getHostName() + ":" + server.getPort()),
        "--redis", "redis://default:" + REDIS_PASSWORD + "@127.0.0.1:" + port, "--text", "Hi", "--no-audio");

    assertEquals(ChatCli.EXIT_CONNECTION, run.code(), run.output());
    assertTrue(run.output().contains("chat: cannot connect to Redis at redis://***@127.0.0.1:" + port), run.output());
    assertNoSecret(run);
  }

  @Test
  void aUrlInPlaceOfTheCommandIsNotEchoed() throws Exception {
    Run run = run(WITH_KEY, urlWithSecrets("127.0.0.1:1"));

    assertEquals(2, run.code(), run.output());
    assertTrue(run.output().contains("unknown command (the first argument must be serve, chat, loadtest, simulate or bench)"),
        run.output());
    assertNoSecret(run);
  }

  @Test
  void aUrlWithoutItsFlagIsEchoedMasked() throws Exception {
    Run run = run(WITH_KEY, "chat", urlWithSecrets("127.0.0.1:1"), "--text", "Hi");

    assertEquals(ChatCli.EXIT_USAGE, run.code(), run.output());
    assertTrue(run.output().contains("chat: unexpected argument 'http://127.0.0.1:1/v1?api-version=***&api-key=***'"),
        run.output());
    assertNoSecret(run);
  }

  @Test
  void aSwitchGivenAValueDoesNotEchoIt() throws Exception {
    Run run = run(WITH_KEY, "chat", "--no-audio=" + urlWithSecrets("127.0.0.1:1"), "--text", "Hi");

    assertEquals(ChatCli.EXIT_USAGE, run.code(), run.output());
    assertTrue(run.output().contains("chat: --no-audio takes no value but got one"), run.output());
    assertNoSecret(run);
  }
}
