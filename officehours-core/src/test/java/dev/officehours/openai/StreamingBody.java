package dev.officehours.openai;

import java.io.IOException;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/**
 * A response body written by test code step by step, so a test decides exactly when each piece
 * of a stream reaches the client (and can wait for the client in between). The length is
 * unknown, so the body is sent chunked and its end is the end of the writer.
 */
final class StreamingBody implements MockResponseBody {

  /** Writes the body; may flush, wait on latches, and throw to break the connection. */
  @FunctionalInterface
  interface Writer {
    void writeTo(BufferedSink sink) throws IOException;
  }

  private final Writer writer;

  StreamingBody(Writer writer) {
    this.writer = writer;
  }

  @Override
  public long getContentLength() {
    return -1;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    writer.writeTo(sink);
  }
}
