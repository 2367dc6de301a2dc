package dev.officehours.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server the tests start, stop and restart on the same port: the system
 * {@code redis-server} when on the PATH, else the Linux binary bundled in embedded-redis. No
 * persistence ({@code save ""}, {@code appendonly no}), bound to 127.0.0.1, files in a temp dir.
 */
final class RedisServerProcess implements AutoCloseable {
  private final File binary;
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private Process process;
  private boolean paused;

  private RedisServerProcess(File binary, int port, Path dir, List<String> extraArgs) {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    this.extraArgs = extraArgs;
  }

  /** Starts a server; {@code extraArgs} are more {@code --name value} settings. */
  static RedisServerProcess startOnFreePort(String... extraArgs) throws IOException {
    RedisServerProcess server = notStartedOnFreePort(extraArgs);
    server.start();
    return server;
  }

  /** A server not started yet: nothing listens on its port until {@link #start()}. */
  static RedisServerProcess notStartedOnFreePort(String... extraArgs) throws IOException {
    return new RedisServerProcess(findBinary(), freePort(),
        Files.createTempDirectory("officehours-redis-test"), List.of(extraArgs));
  }

  private static File findBinary() throws IOException {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        File candidate = new File(dir, "redis-server");
        if (candidate.canExecute()) {
          return candidate;
        }
      }
    }
    File bundled = ExecutableProvider.newJarResourceProvider().get();
    if (!bundled.canExecute() && !bundled.setExecutable(true)) {
      throw new IOException("cannot make " + bundled + " executable");
    }
    return bundled;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  synchronized boolean running() {
    return process != null && process.isAlive();
  }

  /** Starts the server (again, on the same port) and waits until it answers PING. */
  synchronized void start() throws IOException {
    if (running()) {
      return;
    }
    List<String> args = new java.util.ArrayList<>(List.of(binary.getAbsolutePath(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    args.addAll(extraArgs);
    process = new ProcessBuilder(args)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile())
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"+PONG".equals(command("PING"))) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("redis-server did not start on port " + port + ": "
            + Files.readString(dir.resolve("redis.log")));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // poll interval
    }
  }

  /**
   * Freezes the server with SIGSTOP: its port still accepts connections and bytes (the kernel
   * does that), but no command is answered until {@link #resume()}. A hung Redis, as a long
   * fork, a swapped-out host or a stuck VM shows it.
   */
  synchronized void pause() throws IOException, InterruptedException {
    signal("STOP");
    paused = true;
  }

  /** Lets a paused server go on (SIGCONT): it then answers everything sent meanwhile, in order. */
  synchronized void resume() throws IOException, InterruptedException {
    if (paused) {
      signal("CONT");
      paused = false;
    }
  }

  private void signal(String name) throws IOException, InterruptedException {
    if (!running()) {
      throw new IllegalStateException("redis-server is not running");
    }
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed: "
          + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Kills the server with SIGKILL, paused or not (its data is gone), and waits until it has exited. */
  synchronized void kill() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    process = null;
    paused = false;
  }

  /** Stops the server (its data is gone) and waits until the process has exited. */
  synchronized void stop() throws InterruptedException, IOException {
    if (process == null) {
      return;
    }
    resume(); // a stopped process would not act on SIGTERM
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    process = null;
    paused = false;
  }

  /** Empties the database. */
  void flushAll() {
    String reply = command("FLUSHALL");
    if (!"+OK".equals(reply)) {
      throw new IllegalStateException("FLUSHALL answered " + reply);
    }
  }

  /** Sends one inline command and returns the first line of the reply, or null when unreachable. */
  String command(String inline) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\r') {
        line.append((char) c);
      }
      return line.toString();
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
