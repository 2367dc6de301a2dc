package dev.officehours.examples;

import dev.officehours.examples.cli.ChatCli;
import dev.officehours.examples.load.LoadTester;
import dev.officehours.examples.server.ServeCommand;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * The entry point of the examples jar: {@code serve}, {@code chat}, {@code loadtest}, {@code simulate} or {@code bench}.
 *
 * <pre>
 * java -jar officehours-examples.jar serve [flags]      the voice chat page, dashboard and API server
 * java -jar officehours-examples.jar chat [flags]       talk to OfficeHours in the terminal
 * java -jar officehours-examples.jar loadtest [flags]   measure latency and throughput under load
 * java -jar officehours-examples.jar simulate [port]    run the simulated OpenAI-compatible server
 * java -jar officehours-examples.jar bench [flags]      OfficeHours side by side with LangChain4j and others
 * </pre>
 */
public final class Main {
  private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_.-]{1,40}");
  /** The core's logger of a chunk's speech failures (docs/cli.md). */
  static final String SPEECH_LOGGER = "dev.officehours.speech";

  private Main() {}

  /**
   * Dispatches to a program by its name.
   *
   * @param args the program's name, then its flags; without a name (nothing, or a flag first) {@code chat}
   * @throws InterruptedException when {@code serve} or {@code simulate} is interrupted while it runs
   */
  public static void main(String[] args) throws InterruptedException {
    quietNettyOnNewJdks();
    // chat is the default program, so a flag in first place is one of chat's (--demo, --text ...);
    // --help and -h alone still describe every program
    boolean chatFlags = args.length > 0 && args[0].startsWith("-") && !isHelp(args[0]);
    String command = args.length == 0 || chatFlags ? "chat" : args[0];
    String[] rest = args.length == 0 || chatFlags ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (command) {
      case "chat" -> {
        quietLogs();
        // the chat reports a turn's speech failures in one line of its own, not a warning per chunk
        setIfUnset("org.slf4j.simpleLogger.log." + SPEECH_LOGGER, "error");
        ChatCli.main(rest);
      }
      case "loadtest" -> {
        quietLogs();
        LoadTester.main(rest);
      }
      case "simulate" -> simulate(rest);
      case "bench" -> {
        quietLogs();
        System.exit(dev.officehours.examples.bench.BenchCommand.run(rest, System.out, System.err));
      }
      case "serve" -> {
        // the server's own lines and warnings; Jetty's and Javalin's start-up chatter only when asked
        for (String noisy : new String[] {"io.javalin", "org.eclipse.jetty"}) {
          if (System.getProperty("org.slf4j.simpleLogger.log." + noisy) == null) {
            System.setProperty("org.slf4j.simpleLogger.log." + noisy, "warn");
          }
        }
        ServeCommand.main(rest);
      }
      case "help", "--help", "-h" -> {
        System.out.println(usage());
        System.exit(0);
      }
      default -> {
        // echoed only when it is a plain word: a URL pasted in its place may carry a password
        String what = !PLAIN_WORD.matcher(command).matches()
            ? "unknown command (the first argument must be serve, chat, loadtest, simulate or bench)"
            : "unknown command '" + command + "'";
        System.err.println(what + "\n" + usage());
        System.exit(2);
      }
    }
  }

  private static void simulate(String[] argv) throws InterruptedException {
    int port = 0;
    try {
      Args args = Args.parse(argv, Set.of(), Set.of("help"));
      if (args.has("help")) {
        System.out.println(simulateUsage());
        System.exit(0);
      }
      List<String> positional = args.positional();
      if (positional.size() > 1) {
        throw new Args.UsageException("unexpected argument '" + plain(positional.get(1)) + "' (only a port)");
      }
      if (!positional.isEmpty()) {
        try {
          port = Integer.parseInt(positional.get(0));
        } catch (NumberFormatException e) {
          throw new Args.UsageException("the port must be a number but was '" + plain(positional.get(0)) + "'");
        }
        if (port < 0 || port > 65_535) {
          throw new Args.UsageException("the port must be in 0..65535 but was " + port);
        }
      }
    } catch (Args.UsageException e) {
      System.err.println("simulate: " + e.getMessage());
      System.err.println("Run with --help for the usage.");
      System.exit(2);
    }
    SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().port(port).start();
    System.out.println("Simulated OpenAI-compatible server on " + server.baseUrl()
        + " (model " + SimulatedOpenAiServer.MODEL + "); Ctrl-C stops it. Try:");
    System.out.println("  OPENAI_BASE_URL=" + server.baseUrl() + " OPENAI_API_KEY=sk-anything "
        + "java -jar officehours-examples/target/officehours-examples.jar chat");
    new CountDownLatch(1).await();
  }

  /** An argument echoed only when it is a plain word: a URL pasted in its place may carry a password. */
  private static String plain(String arg) {
    return PLAIN_WORD.matcher(arg).matches() ? arg : "(not shown)";
  }

  private static boolean isHelp(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }

  /** The chat and the load tester print their own lines; library INFO logs would only clutter them. */
  private static void quietLogs() {
    setIfUnset("org.slf4j.simpleLogger.defaultLogLevel", "warn");
  }

  /** A logging default that a {@code -D} on the command line overrides. */
  private static void setIfUnset(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  private static String simulateUsage() {
    return String.join("\n",
        "Usage: simulate [port]",
        "",
        "Runs the simulated OpenAI-compatible server (model " + SimulatedOpenAiServer.MODEL + ") until Ctrl-C:",
        "POST /v1/chat/completions, POST /v1/audio/speech (pcm, wav), GET /v1/models.",
        "",
        "  port               the port to listen on, on 127.0.0.1 (default 0: a free one)",
        "  --help, -h         this text",
        "",
        "Exit codes: 0 ok, 2 usage error.");
  }

  private static String usage() {
    return String.join("\n",
        "Usage: java -jar officehours-examples.jar <command> [flags]",
        "  serve      the voice chat page, monitor dashboard and HTTP/WebSocket API (port 5001)",
        "  chat       talk to OfficeHours in the terminal (demo mode without OPENAI_API_KEY);",
        "             the default: no command, or flags alone (--demo, --text \"...\"), run chat",
        "  loadtest   measure latency and throughput under load",
        "  simulate   run the simulated OpenAI-compatible server [port]",
        "  bench      OfficeHours side by side with LangChain4j, whole-answer TTS and a bare-HTTP",
        "             control, against a simulated server: tables and charts (docs/load-testing.md)",
        "Each command takes --help (or -h).");
  }

  /**
   * Netty 4.1 (under lettuce, for {@code --redis}) reaches for {@code sun.misc.Unsafe} memory access,
   * which Java 24 and later answer with a four-line "terminally deprecated" warning on the terminal.
   * An app that talks to Redis a few times a turn gains nothing from it, so unless the user chose
   * (by {@code -Dio.netty.noUnsafe} or {@code --sun-misc-unsafe-memory-access}), Netty is told not
   * to use it. This runs before any Netty class is loaded.
   */
  static void quietNettyOnNewJdks() {
    if (Runtime.version().feature() >= 24
        && System.getProperty("io.netty.noUnsafe") == null
        && System.getProperty("sun.misc.unsafe.memory.access") == null) {
      System.setProperty("io.netty.noUnsafe", "true");
    }
  }
}
