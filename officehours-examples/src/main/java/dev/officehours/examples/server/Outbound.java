package dev.officehours.examples.server;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * A WebSocket's outgoing side with a bounded send buffer. Jetty queues every frame it has not yet
 * written to the socket; this counts those bytes, and past the limit the client is too slow (it
 * stopped reading, or its network cannot carry real-time audio): {@code overflow} runs once and
 * nothing more is queued. Frames are queued in the order of the calls.
 */
final class Outbound {
  private final Session session;
  private final long limitBytes;
  private final Runnable overflow;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicBoolean overflowed = new AtomicBoolean();

  Outbound(Session session, long limitBytes, Runnable overflow) {
    this.session = session;
    this.limitBytes = limitBytes;
    this.overflow = overflow;
  }

  synchronized void text(String message) {
    long bytes = message.length();
    if (admit(bytes)) {
      session.sendText(message, release(bytes));
    }
  }

  synchronized void binary(ByteBuffer frame) {
    binary(frame, null);
  }

  /** A binary frame; {@code written} runs once Jetty has written it to the socket. */
  synchronized void binary(ByteBuffer frame, Runnable written) {
    long bytes = frame.remaining();
    if (admit(bytes)) {
      Callback release = release(bytes);
      session.sendBinary(frame, written == null ? release : Callback.from(() -> {
        release.succeed();
        written.run();
      }, release::fail));
    }
  }

  /** Bytes handed to Jetty and not yet written to the socket. */
  long pendingBytes() {
    return pending.get();
  }

  boolean overflowed() {
    return overflowed.get();
  }

  private boolean admit(long bytes) {
    if (overflowed.get() || !session.isOpen()) {
      return false;
    }
    if (pending.addAndGet(bytes) > limitBytes) {
      pending.addAndGet(-bytes);
      if (overflowed.compareAndSet(false, true)) {
        overflow.run();
      }
      return false;
    }
    return true;
  }

  private Callback release(long bytes) {
    return Callback.from(() -> pending.addAndGet(-bytes), failure -> pending.addAndGet(-bytes));
  }
}
