package dev.officehours.fallback;

import dev.officehours.testkit.LoopbackHttpServer;
import dev.officehours.testkit.LoopbackHttpServer.Reply;
import dev.officehours.testkit.LoopbackHttpServer.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The two servers behind a two-provider chain in a contract run, each a {@link
 * LoopbackHttpServer} with its own scripts keyed as the contract keys them. Which one serves the
 * contract's scripts, and what the other does, is the {@link Primary} mode. The connections the
 * contract counts are those of both servers: a cancel must close the attempt in flight, wherever
 * it is.
 */
final class ChainServers implements AutoCloseable {

  /** What the chain's first provider does; the second is always reachable. */
  enum Primary {
    /**
     * Every request to the first provider fails before any byte of an answer, in turn with 503,
     * 429, 500 or a connection reset before the status line; the second provider serves.
     */
    FAILS_BEFORE_FIRST_BYTE,
    /**
     * The first provider accepts every request and then sends nothing, holding the connection
     * until the client closes it: the chain must give up on it after its attempt timeout ({@link
     * #HANG_TIMEOUT}) and close that connection, and a cancel meanwhile must close it too; the
     * second serves.
     */
    HANGS_BEFORE_FIRST_BYTE,
    /** Nothing listens at the first provider's address (connection refused); the second serves. */
    REFUSES_CONNECTIONS,
    /**
     * The first provider serves; the second answers every script with something else, so a chain
     * that moved on when it should not have gives itself away in the contract's assertions.
     */
    SERVES
  }

  /**
   * The attempt timeout of a chain whose first provider hangs: every call waits it out once, and
   * the second provider's first byte (over loopback) must come within it.
   */
  static final java.time.Duration HANG_TIMEOUT = java.time.Duration.ofMillis(500);

  final Primary mode;
  private final LoopbackHttpServer first;
  private final String firstRoot;
  private final LoopbackHttpServer second;
  private final Map<String, Reply> firstScripts = new ConcurrentHashMap<>();
  private final Map<String, Reply> secondScripts = new ConcurrentHashMap<>();
  private final Function<Request, String> keyOf;
  private final Set<String> failingEverywhere = ConcurrentHashMap.newKeySet();
  private final BiFunction<Integer, String, Reply> error;
  private final Reply otherAnswer;
  private final AtomicInteger failures = new AtomicInteger();
  private volatile boolean pinsAfterFirstServed;

  /**
   * @param mode what the first provider does
   * @param keyOf the script key of a request (the prompt, the text, the audio)
   * @param error the service's error reply for a status and message
   * @param otherAnswer in {@link Primary#SERVES}, what the second provider answers to a script it
   *     should never have been asked for
   */
  ChainServers(Primary mode, Function<Request, String> keyOf,
      BiFunction<Integer, String, Reply> error, Reply otherAnswer) throws IOException {
    this.mode = mode;
    this.keyOf = keyOf;
    this.error = error;
    this.otherAnswer = otherAnswer;
    this.second = LoopbackHttpServer.start();
    second.handler(r -> secondScripts.getOrDefault(keyOf.apply(r), error.apply(500, "no script")));
    if (mode == Primary.REFUSES_CONNECTIONS) {
      first = null;
      // a port that was just free and is closed again: connecting to it is refused
      try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        firstRoot = "http://127.0.0.1:" + closed.getLocalPort();
      }
    } else {
      first = LoopbackHttpServer.start();
      firstRoot = first.url("");
      first.handler(mode == Primary.SERVES
          ? r -> firstScripts.getOrDefault(keyOf.apply(r), error.apply(500, "no script"))
          : mode == Primary.HANGS_BEFORE_FIRST_BYTE
              ? r -> w -> w.holdUntil(new CountDownLatch(1))
              : r -> failBeforeFirstByte());
    }
  }

  private Reply failBeforeFirstByte() {
    return switch (failures.getAndIncrement() % 4) {
      case 0 -> error.apply(503, "The server is overloaded.");
      case 1 -> error.apply(429, "Rate limit reached.");
      case 2 -> error.apply(500, "The server had an error.");
      default -> w -> w.cutOff();
    };
  }

  /**
   * Says that the provider under test is a turn view, which keeps the turn on the provider that
   * served it first: only the turn's first synthesis fails over, later ones go straight there.
   */
  void pinsAfterFirstServed() {
    pinsAfterFirstServed = true;
  }

  /**
   * The first provider's URL.
   *
   * @param path e.g. {@code /v1}
   * @return the URL, also when nothing listens there
   */
  String firstUrl(String path) {
    return firstRoot + path;
  }

  /**
   * The second provider's URL.
   *
   * @param path e.g. {@code /v1}
   * @return the URL
   */
  String secondUrl(String path) {
    return second.url(path);
  }

  /**
   * Scripts what the serving provider answers to {@code key}.
   *
   * @param key the script key
   * @param reply the answer
   */
  void serve(String key, Reply reply) {
    if (mode == Primary.SERVES) {
      firstScripts.put(key, reply);
      secondScripts.put(key, otherAnswer);
    } else {
      secondScripts.put(key, reply);
    }
  }

  /**
   * Scripts a reply that every provider reachable for {@code key} gives: the chain has nowhere
   * left to go. In {@link Primary#SERVES} both servers give it; otherwise the first fails its own
   * way and the second gives it, so the chain must report the last provider's error.
   *
   * @param key the script key
   * @param reply the failing reply
   */
  void everyProvider(String key, Reply reply) {
    failingEverywhere.add(key);
    firstScripts.put(key, reply);
    secondScripts.put(key, reply);
  }

  /**
   * Scripts a failure of every provider with the service's error for {@code status}.
   *
   * @param key the script key
   * @param status the HTTP status
   * @param message the message of the error body
   */
  void failEverywhere(String key, int status, String message) {
    everyProvider(key, error.apply(status, message));
  }

  /**
   * The connections open now, to either server.
   *
   * @return how many
   */
  int openConnections() {
    return second.openConnections() + (first == null ? 0 : first.openConnections());
  }

  /**
   * Stops both servers, then checks that the chain really went where the mode says, so a run
   * cannot pass by the first provider serving alone: when it fails, every script the second
   * server answered was first asked of the first (for a turn view, the first it answered); when
   * it serves, the second was asked only for
   * scripts that fail everywhere.
   *
   * @throws AssertionError naming the scripts that went the wrong way
   */
  @Override
  public void close() throws IOException {
    second.close();
    if (first != null) {
      first.close();
    }
    Set<String> atSecond = keys(second);
    switch (mode) {
      case FAILS_BEFORE_FIRST_BYTE, HANGS_BEFORE_FIRST_BYTE -> {
        if (pinsAfterFirstServed) {
          List<Request> served = second.requests();
          atSecond = served.isEmpty() ? new TreeSet<>() : new TreeSet<>(Set.of(keyOf.apply(served.get(0))));
        }
        atSecond.removeAll(keys(first));
        if (!atSecond.isEmpty()) {
          throw new AssertionError("the second provider was asked without the first: " + atSecond);
        }
      }
      case SERVES -> {
        atSecond.removeAll(failingEverywhere);
        if (!atSecond.isEmpty()) {
          throw new AssertionError("the chain moved on from a serving first provider: " + atSecond);
        }
      }
      case REFUSES_CONNECTIONS -> {
        // nothing to compare: the first has no server
      }
    }
  }

  private Set<String> keys(LoopbackHttpServer server) {
    Set<String> keys = new TreeSet<>();
    for (Request r : server.requests()) {
      keys.add(keyOf.apply(r));
    }
    return keys;
  }
}
