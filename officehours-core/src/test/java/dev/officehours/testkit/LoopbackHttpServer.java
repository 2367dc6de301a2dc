package dev.officehours.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted HTTP/1.1 server on the loopback interface, for contract tests of providers that
 * speak HTTP. Only the JDK is needed: a provider author adds no server library to use it.
 *
 * <p>Every request gets its own connection and thread; the {@link Reply} the handler picks writes
 * the response step by step ({@link ResponseWriter#chunk} flushes each piece), may hold the
 * stream open until a latch is released or the client goes away, and may cut the connection off.
 * The server closes each connection after its reply ({@code Connection: close}), so {@link
 * #openConnections()} is exactly the number of replies still in progress: a client that cancels a
 * held stream must close its connection for that number to drop.
 */
public final class LoopbackHttpServer implements AutoCloseable {
  /** The longest a reply holds a stream open waiting for a release that never comes. */
  public static final Duration MAX_HOLD = Duration.ofSeconds(30);

  private final ServerSocket socket;
  private final Thread acceptor;
  private final AtomicInteger open = new AtomicInteger();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private volatile Function<Request, Reply> handler =
      r -> w -> w.fixed(500, "text/plain", "no reply scripted for " + r.target());
  private volatile boolean closed;

  private LoopbackHttpServer(ServerSocket socket) {
    this.socket = socket;
    this.acceptor = new Thread(this::acceptLoop, "loopback-http-" + socket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a server on a free loopback port.
   *
   * @return the running server; close it after the test
   * @throws IOException when no port can be bound
   */
  public static LoopbackHttpServer start() throws IOException {
    return new LoopbackHttpServer(new ServerSocket(0, 64, InetAddress.getLoopbackAddress()));
  }

  /**
   * Sets how requests are answered; replaces any earlier handler.
   *
   * @param handler picks the reply of each request; called on the request's own thread
   */
  public void handler(Function<Request, Reply> handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /**
   * An absolute URL of this server.
   *
   * @param path the path, starting with {@code /}
   * @return e.g. {@code http://127.0.0.1:53211/v1}
   */
  public String url(String path) {
    return "http://127.0.0.1:" + socket.getLocalPort() + path;
  }

  /**
   * The connections whose reply is still in progress.
   *
   * @return how many connections are open now
   */
  public int openConnections() {
    return open.get();
  }

  /**
   * Every request received so far, oldest first.
   *
   * @return a copy of the requests
   */
  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Stops accepting; replies in progress finish or fail on their own. */
  @Override
  public void close() throws IOException {
    closed = true;
    socket.close();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException e) {
        return;
      }
      open.incrementAndGet();
      Thread t = new Thread(() -> serve(s), "loopback-http-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      Request request = readRequest(in);
      if (request == null) {
        return;
      }
      requests.add(request);
      CountDownLatch gone = new CountDownLatch(1);
      // The client sends nothing more on this connection: a read returns only when it closes.
      Thread watcher = new Thread(() -> {
        try {
          while (in.read() != -1) {
            // discard
          }
        } catch (IOException e) {
          // closed by either side
        }
        gone.countDown();
      }, "loopback-http-watch");
      watcher.setDaemon(true);
      watcher.start();
      ResponseWriter writer = new ResponseWriter(s, s.getOutputStream(), gone);
      try {
        handler.apply(request).write(writer);
        writer.finish();
      } catch (IOException e) {
        // the client went away mid-reply
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } catch (IOException e) {
      // a broken request: nothing to answer
    } finally {
      open.decrementAndGet();
    }
  }

  private static Request readRequest(InputStream in) throws IOException {
    String requestLine = readLine(in);
    if (requestLine == null || requestLine.isEmpty()) {
      return null;
    }
    String[] parts = requestLine.split(" ", 3);
    Map<String, String> headers = new TreeMap<>();
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        String size = readLine(in);
        if (size == null) {
          throw new EOFException("chunked body cut off");
        }
        int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
        if (n == 0) {
          readLine(in);
          break;
        }
        out.write(in.readNBytes(n));
        readLine(in);
      }
      body = out.toByteArray();
    } else {
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      body = in.readNBytes(length);
    }
    return new Request(parts[0], parts.length > 1 ? parts[1] : "", Map.copyOf(headers), body);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        break;
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    if (b == -1 && line.size() == 0) {
      return null;
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  /**
   * A request as received.
   *
   * @param method e.g. {@code POST}
   * @param target the path and query, e.g. {@code /v1/chat/completions}
   * @param headers the headers, names in lower case
   * @param body the body, de-chunked
   */
  public record Request(String method, String target, Map<String, String> headers, byte[] body) {
    /**
     * The body as text.
     *
     * @return the body decoded as UTF-8
     */
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Writes one response; see {@link ResponseWriter}. */
  @FunctionalInterface
  public interface Reply {
    /**
     * Writes the response.
     *
     * @param response where to write it
     * @throws IOException when the client went away
     * @throws InterruptedException when the server thread was interrupted
     */
    void write(ResponseWriter response) throws IOException, InterruptedException;
  }

  /** Writes a response: a whole one, or a streamed one piece by piece. */
  public static final class ResponseWriter {
    private final Socket socket;
    private final OutputStream out;
    private final CountDownLatch gone;
    private boolean streaming;
    private boolean done;

    ResponseWriter(Socket socket, OutputStream out, CountDownLatch gone) {
      this.socket = socket;
      this.out = out;
      this.gone = gone;
    }

    /**
     * Writes a whole response with a {@code Content-Length}.
     *
     * @param status the HTTP status
     * @param contentType the body's type
     * @param body the body as UTF-8 text
     * @throws IOException when the client went away
     */
    public void fixed(int status, String contentType, String body) throws IOException {
      fixed(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes a whole response with a {@code Content-Length}.
     *
     * @param status the HTTP status
     * @param contentType the body's type
     * @param body the body
     * @throws IOException when the client went away
     */
    public void fixed(int status, String contentType, byte[] body) throws IOException {
      out.write(("HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + contentType
          + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      done = true;
    }

    /**
     * Starts a streamed ({@code Transfer-Encoding: chunked}) response.
     *
     * @param status the HTTP status
     * @param contentType the body's type
     * @throws IOException when the client went away
     */
    public void head(int status, String contentType) throws IOException {
      out.write(("HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + contentType
          + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      streaming = true;
    }

    /**
     * Sends one piece of a streamed body at once.
     *
     * @param data the piece, UTF-8
     * @throws IOException when the client went away
     */
    public void chunk(String data) throws IOException {
      chunk(data.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends one piece of a streamed body at once.
     *
     * @param data the piece; an empty piece sends nothing
     * @throws IOException when the client went away
     */
    public void chunk(byte[] data) throws IOException {
      if (data.length == 0) {
        return;
      }
      out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(data);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    /**
     * Keeps the stream open until {@code release} is counted down or the client closes the
     * connection (or {@link #MAX_HOLD} passes).
     *
     * @param release the latch that lets the reply go on
     * @return true when the client is still there
     * @throws InterruptedException when the server thread was interrupted
     */
    public boolean holdUntil(CountDownLatch release) throws InterruptedException {
      long deadline = System.nanoTime() + MAX_HOLD.toNanos();
      while (System.nanoTime() < deadline) {
        if (gone.await(5, TimeUnit.MILLISECONDS)) {
          return false;
        }
        if (release.await(5, TimeUnit.MILLISECONDS)) {
          return gone.getCount() > 0;
        }
      }
      return gone.getCount() > 0;
    }

    /**
     * Whether the client has closed the connection.
     *
     * @return true once the client is gone
     */
    public boolean clientGone() {
      return gone.getCount() == 0;
    }

    /**
     * Ends a streamed body normally (the reply does it by itself when it returns).
     *
     * @throws IOException when the client went away
     */
    public void end() throws IOException {
      if (streaming && !done) {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      done = true;
    }

    /**
     * Cuts the connection off mid-body: no terminating chunk, the socket reset.
     *
     * @throws IOException when closing fails
     */
    public void cutOff() throws IOException {
      done = true;
      try {
        socket.setSoLinger(true, 0);
      } catch (SocketException e) {
        // already closed
      }
      socket.close();
    }

    void finish() throws IOException {
      if (!done) {
        end();
      }
    }

    private static String reason(int status) {
      return switch (status) {
        case 200 -> "OK";
        case 400 -> "Bad Request";
        case 401 -> "Unauthorized";
        case 403 -> "Forbidden";
        case 404 -> "Not Found";
        case 429 -> "Too Many Requests";
        case 500 -> "Internal Server Error";
        case 502 -> "Bad Gateway";
        case 503 -> "Service Unavailable";
        default -> "Status";
      };
    }
  }
}
