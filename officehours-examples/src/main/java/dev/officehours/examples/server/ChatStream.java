package dev.officehours.examples.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.officehours.AudioFrame;
import dev.officehours.Turn;
import dev.officehours.TurnRequest;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Map;

/**
 * {@code POST /chat/stream}: one turn as Server-Sent Events, for clients that speak plain HTTP.
 * The request's thread writes the events; the turn's callbacks queue them, bounded by the same
 * send buffer as a WebSocket, so a client that stops reading gets its turn cancelled instead of
 * filling the heap. A client that goes away cancels the turn on the next write.
 */
final class ChatStream {
  private final ChatServer server;

  ChatStream(ChatServer server) {
    this.server = server;
  }

  void handle(Context ctx) throws IOException, InterruptedException {
    ChatServer.requireJson(ctx);
    server.rateLimiter().check(server.client(ctx));
    ChatRequests.Start start = server.requests().start(server.requests().object(ChatServer.body(ctx,
        server.settings().maxBodyBytes())), null);
    TurnRequest request = server.turnRequest(start);
    Queue queue = new Queue(server.settings().wsSendBufferBytes());
    TurnRelay relay = new TurnRelay(1, start.session(), queue, server.metrics(), server.redactor());
    queue.relay = relay;
    Turn turn = server.startTurn(request, relay);
    ctx.status(200);
    ctx.res().setContentType("text/event-stream;charset=utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no"); // proxies must not hold events back
    server.metrics().streams().incrementAndGet();
    try {
      OutputStream out = ctx.res().getOutputStream();
      out.flush();
      boolean firstAudioWritten = false;
      while (true) {
        Map<String, Object> event = queue.take();
        if (event == null) { // the queue cancelled the turn when it overflowed
          write(out, TurnRelay.error(new ApiException(503, "client_slow",
              "the client did not read the stream fast enough; the turn was cancelled"), turn.id()));
          return;
        }
        write(out, event);
        if (!firstAudioWritten && "audio".equals(event.get("type"))) {
          firstAudioWritten = true;
          server.metrics().firstAudioRelayed(System.nanoTime() - relay.firstAudioNanos());
        }
        if (queue.isEnd(event)) {
          return;
        }
      }
    } catch (IOException e) {
      relay.cancel("disconnected"); // the client went away: nobody is listening any more
    } finally {
      server.metrics().streams().decrementAndGet();
    }
  }

  private void write(OutputStream out, Map<String, Object> event) throws IOException {
    String type = (String) event.get("type");
    String data;
    try {
      data = server.json().writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an event as JSON", e);
    }
    out.write(("event: " + type + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Events waiting for the request's thread, bounded in bytes. */
  private static final class Queue implements TurnRelay.Channel {
    volatile TurnRelay relay;
    private final ArrayDeque<Map<String, Object>> events = new ArrayDeque<>();
    private final long limitBytes;
    private long bytes;
    private boolean overflowed;
    private Map<String, Object> end;

    Queue(long limitBytes) {
      this.limitBytes = limitBytes;
    }

    @Override
    public void event(Map<String, Object> event) {
      offer(event, 256);
    }

    @Override
    public void audio(TurnRelay relay, AudioFrame frame) {
      Map<String, Object> event = TurnRelay.event("audio", frame.turnId(), "chunkIndex", frame.chunkIndex(),
          "frameIndex", frame.frameIndex());
      event.putAll(TurnRelay.format(frame.format()));
      event.put("data", Base64.getEncoder().encodeToString(frame.data()));
      offer(event, frame.data().length * 4L / 3 + 256);
    }

    /** Queues an event; the moment the client is too far behind, its turn is cancelled (outside the lock). */
    private void offer(Map<String, Object> event, long size) {
      boolean overflowedNow;
      synchronized (this) {
        boolean before = overflowed;
        add(event, size);
        overflowedNow = !before && overflowed;
      }
      if (overflowedNow && relay != null) {
        relay.cancel("client_slow"); // stop spending on a client that is not listening
      }
    }

    @Override
    public synchronized void ended(TurnRelay relay) {
      // the relay's last event was queued just before: it ends the stream
    }

    private void add(Map<String, Object> event, long size) {
      if (overflowed) {
        return;
      }
      String type = (String) event.get("type");
      boolean terminal = type.equals("turn-complete") || type.equals("turn-cancelled") || type.equals("error");
      if (!terminal && bytes + size > limitBytes) {
        overflowed = true;
        notifyAll();
        return;
      }
      bytes += size;
      event.put("_size", size);
      events.addLast(event);
      if (terminal) {
        end = event;
      }
      notifyAll();
    }

    /** The next event, or null when the client fell too far behind. */
    synchronized Map<String, Object> take() throws InterruptedException {
      while (events.isEmpty() && !overflowed) {
        wait();
      }
      if (events.isEmpty()) {
        return null;
      }
      Map<String, Object> event = events.pollFirst();
      bytes -= (Long) event.remove("_size");
      return event;
    }

    synchronized boolean isEnd(Map<String, Object> event) {
      return event == end;
    }
  }
}
