package dev.officehours.openai;

import java.io.IOException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/**
 * A response body written by test code step by step, so a test decides exactly when each piece
 * of a stream reaches the client (and can wait for the client in between). It is sent with
 * chunked transfer encoding, which MockWebServer leaves to the body: every flushed write becomes
 * one HTTP chunk, and the terminating chunk follows when the writer returns.
 */
final class StreamingBody implements MockResponseBody {

  /** Writes the body; may flush, wait on latches, and throw to break the connection. */
  @FunctionalInterface
  interface Writer {
    void writeTo(BufferedSink sink) throws IOException;
  }

  private final Writer writer;

  private StreamingBody(Writer writer) {
    this.writer = writer;
  }

  /**
   * A response builder whose body is written by {@code writer}. The connection closes after it:
   * a client that reused it for its next call now and then read an empty status line after
   * such a hand-written body (MockWebServer and this framing disagree on the last CRLF), which is
   * a fault of the test server, not of the client.
   */
  static MockResponse.Builder response(Writer writer) {
    return new MockResponse.Builder()
        .setHeader("Transfer-Encoding", "chunked")
        .setHeader("Connection", "close")
        .body(new StreamingBody(writer));
  }

  @Override
  public long getContentLength() {
    return -1;
  }

  @Override
  public void writeTo(BufferedSink socket) throws IOException {
    BufferedSink chunked = Okio.buffer(new ForwardingSink(socket) {
      @Override
      public void write(Buffer source, long byteCount) throws IOException {
        if (byteCount == 0) {
          return;
        }
        socket.writeHexadecimalUnsignedLong(byteCount).writeUtf8("\r\n");
        socket.write(source, byteCount);
        socket.writeUtf8("\r\n");
      }

      @Override
      public void close() {
        // The socket belongs to MockWebServer.
      }
    });
    writer.writeTo(chunked);
    chunked.flush();
    socket.writeUtf8("0\r\n\r\n").flush();
  }
}
