package dev.officehours.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * What the JVM itself prints to a user of the jar. On Java 24+ Netty 4.1 (under lettuce) calls
 * {@code sun.misc.Unsafe} memory methods, and the JVM answers with a "terminally deprecated" warning
 * in the middle of the chat; the CLI must keep the terminal clean on every supported JDK. The suite
 * runs on 17 and 25 (.ci/run), so on 25 this checks the real warning.
 */
class JdkWarningsTest {

  @Test
  void chatWithRedisPrintsNoJdkDeprecationWarning(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
        .setting("save \"\"").setting("appendonly no").build();
    redis.start();
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "chat", "--redis", "redis://127.0.0.1:" + port,
          "--text", "What is OfficeHours?", "--out", dir.toString())).redirectErrorStream(true);
      pb.environment().keySet().removeIf(name -> name.startsWith("OPENAI_"));
      Process process = pb.start();
      process.getOutputStream().close();
      // drained on a thread of its own: the common pool may have a single thread on 2 cores
      CompletableFuture<String> output = new CompletableFuture<>();
      Thread drain = new Thread(() -> {
        try {
          output.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          output.completeExceptionally(new UncheckedIOException(e));
        }
      }, "cli-output");
      drain.setDaemon(true);
      drain.start();
      try {
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "the CLI did not end within 90 s");
        String printed = output.get(10, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), printed);
        assertTrue(Files.exists(dir.resolve("turn-1.wav")), "the turn wrote no audio:\n" + printed);
        // Redis fails open, so a chat that never reached it would pass too: it must hold the turn
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
        try (StatefulRedisConnection<String, String> redisConnection = client.connect()) {
          assertTrue(redisConnection.sync().dbsize() > 0, "the chat stored nothing in Redis:\n" + printed);
        } finally {
          client.shutdown();
        }
        assertFalse(printed.contains("sun.misc.Unsafe"), "the JVM warned about Unsafe:\n" + printed);
        assertFalse(printed.contains("WARNING: A terminally deprecated"), printed);
      } finally {
        process.destroyForcibly();
      }
    } finally {
      redis.stop();
    }
  }
}
