package dev.officehours.examples.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/** A test client of {@code /chat/ws}: everything the server sends, in arrival order. */
final class WsClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A message as received: JSON text, or an audio frame with its header decoded. */
  record Received(JsonNode json, Audio audio) {
    boolean is(String type) {
      return json != null && type.equals(json.path("type").asText());
    }
  }

  record Audio(int turnNumber, int chunkIndex, int frameIndex, int bytes) {}

  final LinkedBlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
  final List<Received> all = new ArrayList<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  final CompletableFuture<String> closeReason = new CompletableFuture<>();
  /** The handshake's 101 response. */
  final CompletableFuture<Response> opened = new CompletableFuture<>();
  final WebSocket socket;

  WsClient(OkHttpClient http, String url) {
    this(http, new Request.Builder().url(url).build());
  }

  WsClient(OkHttpClient http, Request request) {
    socket = http.newWebSocket(request, new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        opened.complete(response);
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        try {
          inbox.add(new Received(JSON.readTree(text), null));
        } catch (Exception e) {
          inbox.add(new Received(JSON.createObjectNode().put("type", "unparseable").put("text", text), null));
        }
      }

      @Override
      public void onMessage(WebSocket webSocket, ByteString bytes) {
        ByteBuffer b = bytes.asByteBuffer();
        inbox.add(new Received(null, new Audio(b.getInt(), b.getInt(), b.getInt(), b.remaining())));
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        closeReason.complete(reason);
        closed.complete(code);
        webSocket.close(1000, null);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        opened.completeExceptionally(t); // no-op once open
        closed.complete(response == null ? -1 : -response.code());
      }
    });
  }

  /** The first message, or null when the connection was refused or closed before sending one. */
  Received firstOrClosed() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Received r = inbox.poll(10, TimeUnit.MILLISECONDS);
      if (r != null) {
        all.add(r);
        return r;
      }
      if (closed.isDone() && inbox.isEmpty()) {
        return null;
      }
    }
    throw new AssertionError("neither a message nor a close within 20 s");
  }

  void send(String json) {
    socket.send(json);
  }

  /** The next message (skipping none), failing after 20 s. */
  Received next() throws InterruptedException {
    Received r = inbox.poll(20, TimeUnit.SECONDS);
    assertNotNull(r, "nothing received within 20 s; so far: " + all);
    all.add(r);
    return r;
  }

  /** Messages up to and including the first JSON message of {@code type}. */
  List<Received> until(String type) throws InterruptedException {
    List<Received> seen = new ArrayList<>();
    while (true) {
      Received r = next();
      seen.add(r);
      if (r.is(type)) {
        return seen;
      }
    }
  }

  /** The next JSON message, skipping audio; it must be of {@code type}. */
  JsonNode expect(String type) throws InterruptedException {
    while (true) {
      Received r = next();
      if (r.json() == null) {
        continue;
      }
      if (!r.is(type)) {
        fail("expected " + type + " but got " + r.json());
      }
      return r.json();
    }
  }

  /** Messages up to the end of a turn: turn-complete, turn-cancelled or an error with a turn id. */
  List<Received> untilTurnEnds() throws InterruptedException {
    List<Received> seen = new ArrayList<>();
    while (true) {
      Received r = next();
      seen.add(r);
      if (r.is("turn-complete") || r.is("turn-cancelled") || (r.is("error") && r.json().has("turnId"))) {
        return seen;
      }
    }
  }

  @Override
  public void close() {
    socket.close(1000, "test done");
  }
}
