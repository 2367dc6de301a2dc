package dev.officehours.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.Args.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code serve}: flags, the demo fallback, and what it prints. */
class ServeCommandTest {

  private static ChatServer serve(ByteArrayOutputStream out, Map<String, String> env, String... argv) {
    return ServeCommand.start(argv, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        ServeCommand.secrets(argv, env));
  }

  @Test
  void withoutAKeyItStartsInDemoModeOnLoopbackAndPrintsItsAddress() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ChatServer server = serve(out, Map.of(), "--port", "0", "--sim-voice")) {
      assertTrue(server.isDemo());
      assertTrue(server.url().startsWith("http://127.0.0.1:"));
      String printed = out.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains(server.url()), printed);
      assertTrue(printed.contains("demo mode"), printed);
      assertEquals(200, ServerFixture.get(ServerFixture.http(), server.url() + "/chat/metrics").status());
    }
  }

  @Test
  void helpPrintsTheFlagsAndStartsNothing() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertNull(serve(out, Map.of(), "--help"));
    String usage = out.toString(StandardCharsets.UTF_8);
    for (String flag : new String[] {"--port", "--host", "--redis", "--allow-origin", "--rate-limit"}) {
      assertTrue(usage.contains(flag), flag);
    }
  }

  @Test
  void badFlagsAreUsageErrorsNamingTheFlag() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(assertThrows(UsageException.class, () -> serve(out, Map.of(), "--rate-limit", "lots"))
        .getMessage().contains("--rate-limit"));
    assertTrue(assertThrows(UsageException.class, () -> serve(out, Map.of(), "--port", "70000"))
        .getMessage().contains("port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> serve(out, Map.of(), "--port", "0",
        "--allow-origin", "https://ok.example/path")).getMessage().contains("origin"));
    assertTrue(assertThrows(UsageException.class, () -> serve(out, Map.of(), "--colour")).getMessage()
        .contains("colour"));
  }

  @Test
  void rateLimitsReadAsPerMinuteOrOff() {
    assertEquals(30, ServeCommand.rateLimit("30/min"));
    assertEquals(5, ServeCommand.rateLimit("5"));
    assertEquals(0, ServeCommand.rateLimit("off"));
  }

  @Test
  void aPasswordInTheRedisUriIsNeverPrinted() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String[] argv = {"--port", "0", "--sim-voice", "--redis", "redis://:hunter2secret@127.0.0.1:1"};
    try (ChatServer server = serve(out, Map.of(), argv)) {
      String printed = out.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains("Redis"), printed);
      assertTrue(!printed.contains("hunter2secret"), printed);
    }
  }
}
