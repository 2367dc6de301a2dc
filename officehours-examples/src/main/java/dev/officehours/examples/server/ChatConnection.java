package dev.officehours.examples.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.AudioFrame;
import dev.officehours.PlaybackPosition;
import dev.officehours.TurnRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket client of {@code /chat/ws}: its messages, its turns (one in flight at a time) and
 * its bounded outgoing buffer. See {@code docs/http-api.md}.
 */
final class ChatConnection {
  private static final Logger log = LoggerFactory.getLogger(ChatConnection.class);
  /** Turns a client may still interrupt after they ended: enough for any barge-in, bounded. */
  private static final int REMEMBERED_TURNS = 8;
  static final int HEADER_BYTES = 12;

  private final ChatServer server;
  private final Session session;
  private final String clientAddress;
  private final String defaultSession;
  private final Outbound out;
  private final Map<String, TurnRelay> turns = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, TurnRelay> eldest) {
      return size() > REMEMBERED_TURNS;
    }
  };
  private TurnRelay current;
  private int turnNumbers;
  private volatile boolean closed;

  ChatConnection(ChatServer server, Session session, String clientAddress, String defaultSession) {
    this.server = server;
    this.session = session;
    this.clientAddress = clientAddress;
    this.defaultSession = defaultSession;
    this.out = new Outbound(session, server.settings().wsSendBufferBytes(), this::tooSlow);
  }

  /** The address rate limits and connection caps count this client by. */
  String client() {
    return clientAddress;
  }

  void opened() {
    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("type", "ready");
    ready.put("session", defaultSession);
    ready.put("demo", server.demo());
    ready.put("audio", TurnRelay.format(server.audioFormat()));
    ready.put("limits", Map.of("maxTextChars", server.settings().maxTextChars(), "maxImageBytes",
        server.settings().maxImageBytes(), "maxFrameBytes", server.settings().maxFrameBytes()));
    send(ready);
  }

  void message(String text) {
    String requestId = null;
    try {
      if (text.length() > server.settings().maxFrameBytes()) {
        throw new ApiException(413, "frame_too_large",
            "a message must be at most " + server.settings().maxFrameBytes() + " bytes but was " + text.length());
      }
      JsonNode m = server.requests().object(text);
      String type = ChatRequests.type(m);
      if (type.equals("start")) {
        requestId = server.requests().requestId(m);
      }
      switch (type) {
        case "start" -> start(m, requestId);
        case "interrupt" -> interrupt(m);
        case "cancel" -> cancel(m);
        default -> throw new ApiException(400, "unknown_type",
            "unknown message type '" + server.redactor().clean(abbreviate(type))
                + "'; expected start, interrupt or cancel", "type", -1);
      }
    } catch (ApiException e) {
      server.metrics().rejected(e.code());
      Map<String, Object> error = TurnRelay.error(e, null);
      if (requestId != null) {
        error.put("requestId", requestId);
      }
      send(error);
    }
  }

  void binary() {
    server.metrics().rejected("binary_not_accepted");
    send(TurnRelay.error(new ApiException(400, "binary_not_accepted",
        "this endpoint takes JSON text messages only; send speech to POST /chat/transcribe"), null));
  }

  private void start(JsonNode m, String requestId) {
    server.rateLimiter().check(clientAddress); // before decoding an image: refusing is cheap
    ChatRequests.Start start = server.requests().start(m, defaultSession);
    TurnRequest request = server.turnRequest(start);
    TurnRelay relay;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (current != null && !current.ended()) {
        current.cancel("replaced"); // one turn at a time per connection: the new question is a barge-in
      }
      Channel channel = new Channel();
      relay = new TurnRelay(++turnNumbers, start.session(), channel, server.metrics(), server.redactor());
      channel.relay = relay;
      relay.requestId(requestId);
      current = relay;
    }
    server.startTurn(request, relay);
    if (closed) {
      relay.cancel("disconnected"); // the socket closed while the turn was being started
    }
  }

  private void interrupt(JsonNode m) {
    ChatRequests.Interrupt i = server.requests().interrupt(m);
    TurnRelay relay = known(i.turnId());
    boolean trimmed = relay.interrupt(i.chunkIndex() < 0 ? PlaybackPosition.NOTHING_PLAYED
        : PlaybackPosition.of(i.chunkIndex(), Duration.ofMillis(i.playedMs())));
    Map<String, Object> reply = TurnRelay.event("interrupted", i.turnId(), "trimmed", trimmed);
    send(reply);
  }

  private void cancel(JsonNode m) {
    known(server.requests().turnId(m)).cancel("cancelled");
  }

  private synchronized TurnRelay known(String turnId) {
    TurnRelay relay = turns.get(turnId);
    if (relay == null) {
      throw new ApiException(404, "unknown_turn", "this connection has no turn " + turnId
          + " (it may be older than the last " + REMEMBERED_TURNS + " turns)", "turnId", -1);
    }
    return relay;
  }

  /** The socket closed: whatever it was waiting for is not wanted any more. */
  void closed() {
    TurnRelay relay;
    synchronized (this) {
      closed = true;
      relay = current;
    }
    if (relay != null && !relay.ended()) {
      relay.cancel("disconnected");
    }
  }

  /** The server is stopping: the turn in flight ends as cancelled, the socket with 1001. */
  void shutdown() {
    closed();
    session.close(1001, "server shutting down", Callback.NOOP);
  }

  private void tooSlow() {
    log.info("WebSocket client {} stopped reading: {} bytes unsent; closing it", clientAddress,
        out.pendingBytes());
    server.metrics().rejected("client_slow");
    TurnRelay relay;
    synchronized (this) {
      relay = current;
    }
    if (relay != null) {
      relay.cancel("client_slow");
    }
    session.close(1008, "client too slow", Callback.NOOP);
    // it does not read, so it will not read our close frame either: drop the connection soon after
    server.later(Duration.ofSeconds(2), session::disconnect);
  }

  private void send(Map<String, Object> event) {
    try {
      out.text(server.json().writeValueAsString(event));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an event as JSON", e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** A turn's events to this socket: JSON as text frames, audio as binary frames with a 12-byte header. */
  private final class Channel implements TurnRelay.Channel {
    TurnRelay relay;
    private boolean firstSent;

    @Override
    public void event(Map<String, Object> event) {
      if ("turn-started".equals(event.get("type"))) {
        synchronized (ChatConnection.this) {
          // known before the client can learn the id: an interrupt may follow at once
          turns.put((String) event.get("turnId"), relay);
        }
      }
      send(event);
    }

    @Override
    public void audio(TurnRelay relay, AudioFrame frame) {
      byte[] data = frame.data();
      ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + data.length);
      b.putInt(relay.turnNumber()).putInt(frame.chunkIndex()).putInt(frame.frameIndex()).put(data).flip();
      if (!firstSent) {
        firstSent = true;
        long handedOver = relay.firstAudioNanos();
        // what the server adds to time to first audio: from the pipeline's hand-over to the socket
        out.binary(b, () -> server.metrics().firstAudioRelayed(System.nanoTime() - handedOver));
      } else {
        out.binary(b);
      }
    }
  }
}
